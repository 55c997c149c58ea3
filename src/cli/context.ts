/**
 * What every command works with: the global options, the output, and the backend, opened on
 * first use and closed when the command ends.
 */
import type { Command } from 'commander'
import { type Backend, openBackend } from './backend.js'
import { createOutput, type Output } from './output.js'

export interface GlobalOptions {
  db?: string
  url?: string
  json?: boolean
  color?: boolean
  daemon?: boolean
  workspace?: string
}

export class Context {
  readonly options: GlobalOptions
  readonly output: Output
  #backend: Promise<Backend> | undefined

  constructor(options: GlobalOptions) {
    this.options = options
    this.output = createOutput(options)
  }

  /** The context of the command an action runs for (global options included). */
  static of(command: Command): Context {
    const options = command.optsWithGlobals<GlobalOptions>()
    // --no-color sets color to false; its default (true) must not force colour on
    return new Context({ ...options, color: options.color === false ? false : undefined })
  }

  backend(): Promise<Backend> {
    this.#backend ??= openBackend(this.options, this.output)
    return this.#backend
  }

  async close(): Promise<void> {
    const backend = await this.#backend?.catch(() => undefined)
    await backend?.close()
  }

  /** Runs `work` with this context and closes it afterwards. */
  static async run(command: Command, work: (context: Context) => Promise<void>): Promise<void> {
    const context = Context.of(command)
    try {
      await work(context)
    } finally {
      await context.close()
    }
  }
}
