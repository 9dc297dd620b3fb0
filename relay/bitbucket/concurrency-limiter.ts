/**
 * A counting semaphore used around one HTTP attempt at a time. The permit is released as soon as the response
 * body has been read, before the caller yields a page: holding a permit across a generator's `yield` is how
 * Ocean's PR listing deadlocks with 50 or more projects (reference ocean §4.3).
 *
 * Waiters queue in lanes, and a freed permit goes to each lane with waiters in turn (FIFO within a lane). A resync
 * gives each kind its own lane: the repository kind queues two enrichment reads per repository of a page, the
 * pull-request kind one listing per repository, so with one queue the pull requests got a permit in ten and their
 * mapping, the larger part of the run's work, was left for after the repositories. In turn, each kind gets an
 * equal share of the bound while it has requests waiting, and the whole bound when it is alone.
 */
export class ConcurrencyLimiter {
  readonly #max: number;
  #active = 0;
  #waitingCount = 0;
  /** Each lane's waiters, for lanes with at least one. */
  readonly #lanes = new Map<string, (() => void)[]>();
  /** The lanes with waiters, the next to be served first. */
  readonly #turns: string[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`concurrency must be a positive integer, not ${max}`);
    this.#max = max;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waitingCount;
  }

  /**
   * Runs `task` with a permit, waiting for one when all are taken.
   * @param lane whose turn the wait takes (see the class comment); one shared lane by default
   */
  async run<T>(task: () => Promise<T>, lane = ""): Promise<T> {
    await this.#acquire(lane);
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  async #acquire(lane: string): Promise<void> {
    if (this.#active < this.#max) {
      this.#active++;
      return;
    }
    // The releasing task hands its permit over directly, so `#active` stays unchanged.
    await new Promise<void>((resolve) => {
      const waiters = this.#lanes.get(lane);
      if (waiters !== undefined) waiters.push(resolve);
      else {
        this.#lanes.set(lane, [resolve]);
        this.#turns.push(lane);
      }
      this.#waitingCount++;
    });
  }

  #release(): void {
    const lane = this.#turns.shift();
    const waiters = lane === undefined ? undefined : this.#lanes.get(lane);
    const next = waiters?.shift();
    if (lane === undefined || waiters === undefined || next === undefined) {
      this.#active--;
      return;
    }
    if (waiters.length > 0) this.#turns.push(lane);
    else this.#lanes.delete(lane);
    this.#waitingCount--;
    next();
  }
}
