/**
 * The long-poll's waiting room: lease calls that found nothing wait here until a message may have become
 * visible (an ingest, a retry, an expired lease, a redrive) or until their deadline. Memory only: the durable
 * truth stays in SQLite, and a woken caller simply queries again.
 */
export class Waiters {
  readonly #pending = new Set<() => void>();
  /** Long-poll calls in progress, by the id their route gave them; and those whose caller has gone away. */
  readonly #active = new Set<string>();
  readonly #abandoned = new Set<string>();
  /**
   * Abandons that arrived before their call began: the route sends `abandonLease` as soon as its request aborts,
   * and that call may reach the object before the `lease` call it ends. Kept (the newest few) so that the call,
   * when it begins, leases nothing; ids are random per call, so one never ends another.
   */
  readonly #early = new Set<string>();

  /** A long-poll call starts: `abandon(waitId)` may end it, even one that arrived first. */
  begin(waitId: string): void {
    this.#active.add(waitId);
    if (this.#early.delete(waitId)) this.#abandoned.add(waitId);
  }

  /** A long-poll call ends (whatever the reason): forget it. */
  end(waitId: string): void {
    this.#active.delete(waitId);
    this.#abandoned.delete(waitId);
  }

  /** The caller went away: the call must lease nothing more. Wakes it, so that it returns now. */
  abandon(waitId: string): void {
    if (!this.#active.has(waitId)) {
      this.#early.add(waitId);
      // Bounded: one that never begins (its lease call failed on the way) must not stay for ever.
      if (this.#early.size > MAX_EARLY_ABANDONS) this.#early.delete(this.#early.values().next().value ?? "");
      return;
    }
    this.#abandoned.add(waitId);
    this.wakeAll();
  }

  isAbandoned(waitId: string): boolean {
    return this.#abandoned.has(waitId);
  }

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

/** Early abandons kept at most: far more than the long-polls one queue ever has at once. */
const MAX_EARLY_ABANDONS = 1_000;
