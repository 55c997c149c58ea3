/**
 * Where agor-store reports what its user should know that is not the failure of a call: warnings
 * (a replica reading its local copy while its primary is away) and unexpected errors (whose
 * details a client never sees). Replace the methods to send them elsewhere; the CLI and tests do.
 */
export const log = {
  warn(message: string): void {
    console.warn(`agor-store: ${message}`)
  },
  error(message: string, error: unknown): void {
    console.error(`agor-store: ${message}`, error)
  }
}
