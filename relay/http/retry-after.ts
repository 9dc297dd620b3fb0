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

const EPOCH_THRESHOLD_SECONDS = 10_000;

/**
 * The server's own say on when to retry, for a server that sends the `x-ratelimit-*` headers on every response
 * (Port, port-api.md §5): `Retry-After` first, then `x-ratelimit-reset`, but the reset only when the limit is the
 * problem (a 429, or `x-ratelimit-remaining: 0`): a 503 must not wait for the end of the rate window.
 * @returns milliseconds to wait and which header said so, or null when neither does
 */
export function serverRetryHint(
  status: number,
  headers: Headers,
  nowMs: number,
): { delayMs: number; source: "retry-after" | "x-ratelimit-reset" } | null {
  const fromRetryAfter = parseRetryAfter(headers.get("retry-after"), nowMs);
  if (fromRetryAfter !== null) return { delayMs: fromRetryAfter, source: "retry-after" };
  const limited = status === 429 || headers.get("x-ratelimit-remaining")?.trim() === "0";
  const reset = limited ? headers.get("x-ratelimit-reset") : null;
  const fromReset = reset === null ? null : parseRateLimitReset(reset, nowMs);
  return fromReset === null ? null : { delayMs: fromReset, source: "x-ratelimit-reset" };
}

/**
 * `x-ratelimit-reset`: Port documents epoch seconds, but clients also meet seconds-until-reset (the Terraform
 * provider reads it so): like Ocean, a number above 10,000 is an epoch, a smaller one a delay; an ISO date is
 * accepted too.
 * @returns milliseconds until the reset (negative when past), or null when unreadable
 */
export function parseRateLimitReset(value: string, nowMs: number): number | null {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    return seconds > EPOCH_THRESHOLD_SECONDS ? Math.round(seconds * 1000 - nowMs) : Math.round(seconds * 1000);
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : date - nowMs;
}
