/**
 * A progress bar on stderr for long runs: only on a terminal, and only once the run has taken
 * more than a moment, so that quick runs and scripts see nothing.
 */
import cliProgress from 'cli-progress'

/** How long a run goes before it gets a bar (ms). */
const GRACE_MS = 400

export interface Progress {
  update(done: number, total: number): void
  stop(): void
}

export function progressBar(label: string, unit: 'documents' | 'bytes'): Progress {
  const started = Date.now()
  let bar: cliProgress.SingleBar | undefined
  const format =
    unit === 'bytes'
      ? `${label} [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB | {eta_formatted} left`
      : `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`
  const mib = (n: number) => (n / 1_048_576).toFixed(1)
  return {
    update(done, total) {
      if (!bar) {
        if (!process.stderr.isTTY || Date.now() - started < GRACE_MS) return
        bar = new cliProgress.SingleBar(
          { format, stream: process.stderr, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic
        )
        bar.start(total, done, { doneMiB: mib(done), totalMiB: mib(total) })
        return
      }
      bar.setTotal(total)
      bar.update(done, { doneMiB: mib(done), totalMiB: mib(total) })
    },
    stop() {
      bar?.stop()
    }
  }
}
