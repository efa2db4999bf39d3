/**
 * Retry timing: `Retry-After` (delta-seconds or an HTTP date, RFC 9110 §10.2.3) and exponential
 * backoff with jitter for answers that don't say how long to wait.
 */

/** Milliseconds to wait per a `Retry-After` header at `now`, or undefined when absent or unreadable. */
export const parseRetryAfter = (header: string | undefined, now: number): number | undefined => {
  if (header === undefined) return undefined
  const value = header.trim()
  // RFC 9110 says whole seconds; a fraction costs nothing to honour.
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000)
  // An HTTP date always names a month; bare numbers like "-5" are not dates, whatever Date.parse thinks.
  if (!/[a-z]{3}/i.test(value)) return undefined
  const date = Date.parse(value)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/**
 * "Equal jitter": half the exponential step is fixed, half random, so concurrent callers spread
 * out but none retries immediately. `random` is in [0, 1).
 */
export const backoff = (attempt: number, baseMillis: number, maxMillis: number, random: number): number => {
  const step = Math.min(maxMillis, baseMillis * 2 ** Math.max(0, attempt - 1))
  return Math.round(step / 2 + (step / 2) * random)
}
