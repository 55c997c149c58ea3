/** The machine a run ran on, and the versions of everything it measured. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { SQLD_BINARY } from '../sqld.js'
import { BENCH_DIR, PEER_PACKAGES } from './peer-modules.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The version of `name` as installed under `dir` (the root, or bench/ for the peer's packages). */
function packageVersion(dir: string, name: string): string {
  try {
    const file = `${dir}node_modules/${name}/package.json`
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    return 'absent'
  }
}

const versions = (dir: string, names: readonly string[]) =>
  names.map((name) => [name, packageVersion(dir, name)] as const)

function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    }).trim()
  } catch {
    return 'unknown'
  }
}

export function machine() {
  const cpu = cpus()
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    commit: command('git', ['rev-parse', '--short', 'HEAD']),
    packages: Object.fromEntries([
      ...versions(ROOT, ['@libsql/client', 'libsql', '@feathersjs/feathers', '@feathersjs/adapter-commons']),
      ...versions(BENCH_DIR, PEER_PACKAGES),
      ...versions(ROOT, ['zod', 'uuidv7'])
    ]),
    sqld: command(SQLD_BINARY, ['--version'])
  }
}

/** The machine and versions, as markdown lines (for BENCHMARKS.md). */
export function machineMarkdown(info: ReturnType<typeof machine> = machine()): string {
  const packages = Object.entries(info.packages).map(([name, version]) => `${name} ${version}`)
  return [
    `- machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, ${info.os}`,
    `- Node ${info.node}, commit ${info.commit}, sqld: ${info.sqld}`,
    `- packages: ${packages.join(', ')}`
  ].join('\n')
}
