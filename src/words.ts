/**
 * Counts in words, for every message that prints one: `1 task`, `2 tasks`, `0 tasks`.
 *
 * @example
 * counted(1, 'session')                // '1 session'
 * counted(3, 'entry', 'entries')       // '3 entries'
 */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`
}
