/**
 * The long-poll's waiting room: lease calls that found nothing wait here until a message may have become
 * visible (an ingest, a retry, an expired lease, a redrive) or until their deadline. Memory only: the durable
 * truth stays in SQLite, and a woken caller simply queries again.
 */
export class Waiters {
  readonly #pending = new Set<() => void>();

  /** Resolves on the next {@link wakeAll}, or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#pending.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#pending.add(done);
    });
  }

  wakeAll(): void {
    for (const done of [...this.#pending]) done();
  }
}
