import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    // @feathersjs/adapter-tests uses mocha's global describe/it/before/after
    globals: true,
    setupFiles: ['test/setup.ts'],
    // the CLI tests run dist/cli/main.cjs as a subprocess: build it first when it is stale
    globalSetup: ['test/cli-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks'
  }
})
