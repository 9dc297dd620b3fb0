/**
 * A counting semaphore used around one HTTP attempt at a time. The permit is released as soon as the response
 * body has been read, before the caller yields a page: holding a permit across a generator's `yield` is how
 * Ocean's PR listing deadlocks with 50 or more projects (reference ocean §4.3).
 */
export class ConcurrencyLimiter {
  readonly #max: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`concurrency must be a positive integer, not ${max}`);
    this.#max = max;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` with a permit, waiting in FIFO order for one when all are taken. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  async #acquire(): Promise<void> {
    if (this.#active < this.#max) {
      this.#active++;
      return;
    }
    // The releasing task hands its permit over directly, so `#active` stays unchanged.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#active--;
    else next();
  }
}
