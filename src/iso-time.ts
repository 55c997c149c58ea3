/**
 * ISO 8601 dates and times as people and programs write them (`2025-11-22`, `2025-11-22T10:00`,
 * `2025-11-22T10:00:00.5+01:00`), and whether the day and hour they name exist: Date.parse reads
 * 2025-02-30 as March 2nd and 24:00 as the next day's midnight, where someone most likely mistyped.
 */

const ISO_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$/i

/** How `text` reads as an ISO date or time, if it is one. */
export type IsoTimeCheck = 'calendar' | 'not-iso' | 'ok'

/**
 * Whether `text` is an ISO date or time whose day and hour exist: `not-iso` for text of another
 * form, `calendar` for one whose day or hour the calendar lacks (2026-02-30, T24:00).
 */
export function checkIsoTime(text: string): IsoTimeCheck {
  const match = ISO_TIME.exec(text)
  if (!match) return 'not-iso'
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
  const onTheCalendar = month >= 1 && month <= 12 && day >= 1 && day <= days && Number(match[4] ?? 0) <= 23
  return onTheCalendar ? 'ok' : 'calendar'
}

/**
 * The milliseconds of an ISO date or time that the calendar has (a date alone is UTC midnight, as
 * Date.parse reads it); undefined for any other text.
 *
 * @example
 * isoMillis('2026-11-30T10:00:00Z') // 1796032800000
 * isoMillis('2026-11-31T10:00:00Z') // undefined: November has 30 days
 */
export function isoMillis(text: string): number | undefined {
  if (checkIsoTime(text) !== 'ok') return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}
