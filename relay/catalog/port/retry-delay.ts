import { parseRetryAfter } from "../../http/retry-after";

/**
 * How long to wait before retrying a Port request (port-api.md §5). A server hint wins: `Retry-After` (seconds or
 * an HTTP date), then `x-ratelimit-reset`, which Port documents as epoch seconds but which clients also meet as
 * seconds-until-reset (the Terraform provider reads it so): like Ocean, a number above 10,000 is an epoch, a smaller
 * one a delay, and an ISO date is accepted too. Without a hint: exponential backoff, 0.3 s × 2^(attempt−1) with
 * ±10 % jitter (Ocean's). Every wait is capped (300 s by default, Ocean's `max_backoff_wait`).
 *
 * Port sends the `x-ratelimit-*` headers on every response, so `x-ratelimit-reset` is a reason to wait only when the
 * limit is the problem (a 429, or `x-ratelimit-remaining: 0`): a 503 must not wait for the end of the rate window.
 */
export interface RetryDelayPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** In [0, 1): injected so tests are deterministic. */
  random: () => number;
}

export const DEFAULT_RETRY_DELAY_POLICY: RetryDelayPolicy = {
  baseDelayMs: 300,
  maxDelayMs: 300_000,
  random: Math.random,
};

const EPOCH_THRESHOLD_SECONDS = 10_000;

/**
 * @param status the response's status (null after a network error)
 * @param headers the response's headers (null after a network error)
 * @param attempt 1 for the first retry
 * @param nowMs the current time, epoch milliseconds
 * @returns milliseconds to wait, and whether the server said so
 */
export function retryDelay(
  status: number | null,
  headers: Headers | null,
  attempt: number,
  nowMs: number,
  policy: RetryDelayPolicy,
): { delayMs: number; source: "retry-after" | "x-ratelimit-reset" | "backoff" } {
  const retryAfter = headers?.get("retry-after") ?? null;
  const fromRetryAfter = parseRetryAfter(retryAfter, nowMs);
  if (fromRetryAfter !== null) return { delayMs: clamp(fromRetryAfter, policy), source: "retry-after" };
  const limited = status === 429 || headers?.get("x-ratelimit-remaining")?.trim() === "0";
  const reset = limited ? (headers?.get("x-ratelimit-reset") ?? null) : null;
  const fromReset = reset === null ? null : parseRateLimitReset(reset, nowMs);
  if (fromReset !== null) return { delayMs: clamp(fromReset, policy), source: "x-ratelimit-reset" };
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const jitter = 1 + (policy.random() * 0.2 - 0.1);
  return { delayMs: clamp(Math.round(exponential * jitter), policy), source: "backoff" };
}

/** `x-ratelimit-reset`: epoch seconds, seconds until the reset, or an ISO date. */
export function parseRateLimitReset(value: string, nowMs: number): number | null {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    return seconds > EPOCH_THRESHOLD_SECONDS ? Math.round(seconds * 1000 - nowMs) : Math.round(seconds * 1000);
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : date - nowMs;
}

function clamp(delayMs: number, policy: RetryDelayPolicy): number {
  return Math.min(Math.max(0, delayMs), policy.maxDelayMs);
}
