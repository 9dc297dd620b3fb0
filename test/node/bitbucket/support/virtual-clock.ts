/**
 * Virtual time shared by a client (its `sleep`) and the fake Bitbucket (its token buckets, its request log), so
 * that Retry-After waits of seconds take no real time. `sleep` advances the clock by the requested amount and
 * records it; concurrent sleepers each advance it, which only ever makes virtual time pass faster.
 */
export class VirtualClock {
  #now: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
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

  advance(ms: number): void {
    this.#now += ms;
  }
}
