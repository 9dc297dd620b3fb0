import type { FakeClock } from "./fake-state";

/**
 * Bitbucket Data Center's rate limiter (reference §4): one token bucket per user, each request takes a token,
 * the bucket refills at `fillRate` tokens per second up to `capacity`. An empty bucket gives 429 with `Retry-After`
 * (whole seconds until a token exists) and, when asked, the `X-RateLimit-*` hints of Atlassian's library.
 */

export interface RateLimitOptions {
  capacity: number;
  /** Tokens per second. */
  fillRate: number;
  /** Send `X-RateLimit-Limit/Remaining/FillRate/Interval-Seconds` on every response. */
  headers?: boolean;
}

export type TakeResult =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; retryAfterSeconds: number; headers: Record<string, string> };

export class TokenBuckets {
  readonly #options: RateLimitOptions;
  readonly #clock: FakeClock;
  readonly #buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(options: RateLimitOptions, clock: FakeClock) {
    this.#options = options;
    this.#clock = clock;
  }

  take(user: string): TakeResult {
    const { capacity, fillRate } = this.#options;
    const now = this.#clock.now();
    const bucket = this.#buckets.get(user) ?? { tokens: capacity, updated: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updated) / 1000) * fillRate);
    bucket.updated = now;
    this.#buckets.set(user, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, headers: this.#headers(bucket.tokens, 0) };
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / fillRate));
    return { ok: false, retryAfterSeconds, headers: this.#headers(bucket.tokens, retryAfterSeconds) };
  }

  #headers(tokens: number, retryAfter: number): Record<string, string> {
    if (this.#options.headers !== true) return {};
    return {
      "X-RateLimit-Limit": String(this.#options.capacity),
      "X-RateLimit-Remaining": String(Math.floor(tokens)),
      "X-RateLimit-FillRate": String(this.#options.fillRate),
      "X-RateLimit-Interval-Seconds": "1",
      ...(retryAfter > 0 ? {} : { "Retry-After": "0" }),
    };
  }
}
