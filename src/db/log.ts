/**
 * Where the database layer reports what its user should know that is not the failure of a call (a
 * replica reading its local copy while its primary is down, and back again). Library users see
 * `agor-store: …` on stderr; a program replaces `warn` to say it in its own voice (the CLI prints
 * `warning: …`). A module of its own, so that replacing it loads no driver.
 */
export const databaseLog = {
  warn(message: string): void {
    console.warn(`agor-store: ${message}`)
  }
}
