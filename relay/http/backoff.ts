/**
 * The one backoff formula: an exponential ceiling, `base · 2^(retry−1)` capped at `max`, and a jitter that spreads
 * the retries of many callers instead of synchronising them into new bursts (which is what trips a token-bucket
 * limiter again).
 *
 * - `"full"` draws uniformly below the ceiling (Bitbucket, the edge): the widest spread.
 * - `{ spread }` multiplies by 1 ± spread (Port, as Ocean does: 0.3 s × 2^(n−1) ± 10 %).
 * - `"none"` is the ceiling itself (message retries, whose delay the edge applies and the operator reads).
 */
export type Jitter = "full" | "none" | { spread: number };

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  jitter: Jitter;
  /** A floor under the drawn delay (a full-jitter draw may otherwise be 0). */
  minMs?: number;
  /** A uniform random number in [0, 1): injected so tests are deterministic. */
  random?: () => number;
}

/**
 * @param retry 1 for the first retry, 2 for the second…
 * @returns milliseconds to wait, within [minMs, maxMs]
 */
export function backoffDelay(retry: number, policy: BackoffPolicy): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, retry - 1);
  const random = policy.random ?? Math.random;
  let delay: number;
  if (policy.jitter === "none") delay = Math.min(policy.maxMs, exponential);
  else if (policy.jitter === "full") delay = Math.floor(random() * Math.min(policy.maxMs, exponential));
  else {
    const { spread } = policy.jitter;
    delay = Math.min(policy.maxMs, Math.max(0, Math.round(exponential * (1 + (random() * 2 * spread - spread)))));
  }
  return Math.max(policy.minMs ?? 0, delay);
}
