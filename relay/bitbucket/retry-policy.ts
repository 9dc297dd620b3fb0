import type { BitbucketError } from "./errors";

/**
 * When and how long to retry. Full jitter (a uniform delay between 0 and the exponential cap) spreads the
 * retries of many concurrent requests instead of synchronising them into new bursts, which is what trips a
 * token-bucket limiter again.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** A uniform random number in [0, 1). */
  random: () => number;
}

/**
 * @param retry 1 for the first retry, 2 for the second…
 * @returns random(0, min(max, base·2^(retry-1))) milliseconds
 */
export function fullJitterDelay(retry: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(options.random() * ceiling);
}

/**
 * A 429 is refused before any work is done, so it is retried whatever the method. 5xx, timeouts and network
 * errors may have reached the server: only idempotent methods (GET, PUT, DELETE) are retried then, so that a
 * webhook is never created twice.
 */
export function shouldRetry(error: BitbucketError, method: HttpMethod): boolean {
  return error.kind === "rate-limited" || (method !== "POST" && error.transient);
}
