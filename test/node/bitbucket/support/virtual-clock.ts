import { type Clock, type Deadline, systemClock, timeoutReason } from "../../../../relay/http/clock";

/**
 * Virtual time shared by a client (its `sleep`) and the fake Bitbucket (its token buckets, its request log), so
 * that Retry-After waits of seconds take no real time. `sleep` advances the clock by the requested amount and
 * records it; concurrent sleepers each advance it, which only ever makes virtual time pass faster.
 *
 * A request's time limit is not virtual time (which leaps by whole Retry-After waits while others are in flight):
 * by default it is real time; with `manualDeadlines` it never passes until the test calls `expireDeadlines`.
 */
export class VirtualClock implements Clock {
  #now: number;
  readonly sleeps: number[] = [];
  readonly #manualDeadlines: boolean;
  readonly #pending = new Set<AbortController>();

  constructor(start = Date.UTC(2026, 0, 1), options: { manualDeadlines?: boolean } = {}) {
    this.#now = start;
    this.#manualDeadlines = options.manualDeadlines ?? false;
  }

  now(): number {
    return this.#now;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.#now += Math.max(0, ms);
    // Yield so that other requests interleave as they would while really waiting.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  deadline(ms: number): Deadline {
    const controller = new AbortController();
    const real = this.#manualDeadlines ? null : systemClock.deadline(ms);
    const expire = () => controller.abort(timeoutReason());
    real?.signal.addEventListener("abort", expire, { once: true });
    this.#pending.add(controller);
    return {
      signal: controller.signal,
      clear: () => {
        real?.clear();
        this.#pending.delete(controller);
      },
    };
  }

  /** Every time limit running now passes at once (what a hung request waits for). */
  expireDeadlines(): void {
    for (const controller of this.#pending) controller.abort(timeoutReason());
    this.#pending.clear();
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}
