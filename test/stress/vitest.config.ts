import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The heavy reliability runs: `npm run test:stress`. Sizes can be raised with environment
// variables (see each file); the defaults are the issue's.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/stress/**/*.stress.ts'],
    globals: true,
    setupFiles: ['test/setup.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false
  }
})
