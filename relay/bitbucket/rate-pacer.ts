import type { Clock } from "../http/clock";

/**
 * Paces requests to what Bitbucket's rate limiter allows. Data Center limits per user with a token bucket and
 * answers 429 with `Retry-After` when it is empty (reference §4); the bucket is per user, so one 429 pauses every
 * request of this client, not only the one that got it. When the server also sends the `X-RateLimit-*` hints
 * (Atlassian's rate-limiting library), requests are spaced at the fill rate once the bucket runs low, which avoids
 * most 429s in the first place. An optional fixed rate can be set on top.
 */

export type { Clock } from "../http/clock";
export { systemClock } from "../http/clock";

export interface RatePacerOptions {
  clock: Clock;
  /** A fixed ceiling, in requests per second; undefined = none. */
  requestsPerSecond?: number | undefined;
  /** Requests that may be in flight at once: that many tokens can go before a response tells us the news. */
  concurrency?: number;
}

export class RatePacer {
  readonly #clock: Clock;
  readonly #fixedSpacingMs: number;
  readonly #concurrency: number;
  #serverSpacingMs = 0;
  #pausedUntil = 0;
  #nextSlot = 0;

  constructor(options: RatePacerOptions) {
    this.#clock = options.clock;
    this.#fixedSpacingMs = options.requestsPerSecond ? 1000 / options.requestsPerSecond : 0;
    this.#concurrency = options.concurrency ?? 1;
  }

  /**
   * Reserves the next send slot.
   * @returns how long to wait before sending, in milliseconds (0 = now)
   */
  reserve(): number {
    const now = this.#clock.now();
    const start = Math.max(now, this.#pausedUntil, this.#nextSlot);
    const spacing = Math.max(this.#fixedSpacingMs, this.#serverSpacingMs);
    this.#nextSlot = spacing > 0 ? start + spacing : 0;
    return start - now;
  }

  /** Nobody sends before `ms` from now (a 429's `Retry-After`). */
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + Math.max(0, ms));
  }

  /** Reads the optional `X-RateLimit-*` hints of any response. */
  observe(headers: Headers): void {
    const remaining = numberHeader(headers, "x-ratelimit-remaining");
    const fillRate = numberHeader(headers, "x-ratelimit-fillrate");
    const interval = numberHeader(headers, "x-ratelimit-interval-seconds") ?? 1;
    const limit = numberHeader(headers, "x-ratelimit-limit");
    if (remaining === null || fillRate === null || fillRate <= 0 || interval <= 0) return;
    const perToken = (interval * 1000) / fillRate;
    // Once the tokens left would not cover the requests that may already be in flight (or a tenth of the
    // bucket), go at the fill rate; with an empty bucket, wait for the next token.
    const lowWater = Math.max(this.#concurrency, Math.floor((limit ?? 0) / 10), 1);
    if (remaining < 1) this.pauseFor(perToken);
    this.#serverSpacingMs = remaining <= lowWater ? perToken : 0;
  }
}

function numberHeader(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  if (value === null || value.trim() === "") return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}
