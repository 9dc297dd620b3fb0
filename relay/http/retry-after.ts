/**
 * `Retry-After` (RFC 9110 §10.2.3), as Bitbucket and Port send it: delay-seconds or an HTTP date.
 * @returns milliseconds to wait (never negative), or null when absent or unreadable
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
