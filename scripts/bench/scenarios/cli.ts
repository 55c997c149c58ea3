/**
 * The CLI's cost: the CPU time (user + system, of the process and its threads) of
 * `agor session show <8-digit prefix>` and `agor session list` on the 10k data set, run directly
 * (`--no-daemon`) and through a daemon (`agor serve` on the same file), against `node -e 0`: the
 * floor of any command written for Node. Each run is a process of its own; bash's `times` reads its
 * CPU time from the kernel (getrusage of the children, in milliseconds). The five commands run in
 * interleaved rounds, and each ratio is the median over rounds of the command's time over the
 * floor's in the same round. Through a daemon, only the CLI process counts (the daemon's share is
 * not in it).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { Context, Scenario } from '../context.js'
import { AGOR, agorEnv, startDaemon } from '../daemon.js'
import { writableCopy } from '../placement.js'
import { compared, type Result } from '../report.js'
import type { Rounds } from '../timing.js'

/** Runs a command once; its CPU time (ms) from bash's `times`, and its output. */
function run(command: string[], env: NodeJS.ProcessEnv, quiet: boolean): { cpu: number; stdout: string } {
  const script = `"$@" ${quiet ? '>/dev/null' : ''} || exit $?; times >&2`
  const result = spawnSync('bash', ['-c', script, 'bash', ...command], { env, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}): ${result.stderr}`)
  const children = result.stderr.trim().split('\n').at(-1)!
  const [user, system] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(
    (m) => Number(m[1]) * 60 + Number(m[2])
  )
  return { cpu: (user! + system!) * 1000, stdout: result.stdout }
}

/** Bytes the process has written (files and sockets alike): a daemon that answered wrote some. */
const written = (pid: number) => Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1])

export const cli: Scenario = async (context: Context): Promise<Result[]> => {
  const path = await writableCopy(context, '10k', 'cli')
  const lookups = (await context.dataset('10k')).samples.prefix8
  const env = agorEnv(context.workDir)
  const agor = (args: string[], daemon: boolean) => [
    process.execPath,
    AGOR,
    ...args,
    '--db',
    path,
    ...(daemon ? [] : ['--no-daemon'])
  ]
  const show = (daemon: boolean) => (i: number) =>
    agor(['session', 'show', lookups[i % lookups.length]!.prefix], daemon)
  const list = (daemon: boolean) => (_round: number) => agor(['session', 'list'], daemon)
  const commands = [
    { label: 'node -e 0', command: () => [process.execPath, '-e', '0'] },
    { label: 'show --no-daemon', command: show(false) },
    { label: 'list --no-daemon', command: list(false) },
    { label: 'show through the daemon', command: show(true) },
    { label: 'list through the daemon', command: list(true) }
  ]
  const direct = run(show(false)(0), env, false).stdout
  if (!direct.includes(lookups[0]!.id)) throw new Error(`agor session show printed no ${lookups[0]!.id}`)
  if (!run(list(false)(0), env, false).stdout.includes('sessions'))
    throw new Error('agor session list printed no list')
  const daemon = await startDaemon(path, context.workDir)
  try {
    const before = written(daemon.pid)
    if (run(show(true)(0), env, false).stdout !== direct)
      throw new Error('show through the daemon printed another thing')
    if (written(daemon.pid) - before < 1000)
      throw new Error('agor session show did not go through the daemon')
    const rounds: Rounds = { cpu: commands.map(() => []), wall: commands.map(() => []) }
    const count = context.profile.mode === 'full' ? 41 : 15
    context.log(`cli: ${count} rounds of ${commands.length} commands`)
    for (let r = 0; r < count; r++) {
      const order = commands.map((_, k) => (r + k) % commands.length)
      if (r % 2) order.reverse()
      for (const c of order) {
        const started = performance.now()
        const { cpu } = run(commands[c]!.command(r), env, true)
        rounds.cpu[c]!.push(cpu)
        rounds.wall[c]!.push(performance.now() - started)
      }
    }
    const ratio = (k: number, name: string, what: string) =>
      compared(
        { item: 9, name, description: `CPU time of agor ${what} / of node -e 0, 10k`, unit: 'time ratio' },
        rounds,
        k,
        0
      )
    const measured = [
      ratio(1, 'cli_show_direct_vs_node_floor', 'session show <prefix> --no-daemon'),
      ratio(2, 'cli_list_direct_vs_node_floor', 'session list --no-daemon'),
      ratio(3, 'cli_show_daemon_vs_node_floor', 'session show <prefix> through a daemon'),
      ratio(4, 'cli_list_daemon_vs_node_floor', 'session list through a daemon')
    ]
    const worse = (a: Result, b: Result, name: string, what: string): Result => {
      const worst = a.value >= b.value ? a : b
      const which = worst === a ? 'direct' : 'through the daemon'
      return {
        ...worst,
        name,
        description: `CPU time of agor ${what} / of node -e 0, the worse of direct and through a daemon (${which}), 10k`,
        target: { op: '<=', value: 2 }
      }
    }
    context.note(
      `cli: ${count} rounds; CPU time = user + system of the command's process (bash times); the daemon's own CPU time is not counted`
    )
    return [
      worse(measured[0]!, measured[2]!, 'cli_show_vs_node_floor', 'session show <prefix>'),
      worse(measured[1]!, measured[3]!, 'cli_list_vs_node_floor', 'session list'),
      ...measured
    ]
  } finally {
    await daemon.stop()
  }
}
