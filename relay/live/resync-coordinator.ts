import type { ResyncSummary } from "../sync/resync-summary";

/**
 * One resync at a time per agent. Every resync `bbrelay run` does arrives as a `resync` message (the Cron Trigger,
 * its own start-up request, an operator's POST …/resync); two leased at once share one run instead of racing (two
 * resyncs would each see the other's writes as changes). `bbrelay resync` is a separate process and does not join.
 */
export class ResyncCoordinator {
  readonly #run: (signal: AbortSignal) => Promise<ResyncSummary>;
  #current: Promise<ResyncSummary> | null = null;

  constructor(run: (signal: AbortSignal) => Promise<ResyncSummary>) {
    this.#run = run;
  }

  /** Starts a resync, or joins the one already running. */
  run(signal: AbortSignal): Promise<ResyncSummary> {
    this.#current ??= this.#run(signal).finally(() => {
      this.#current = null;
    });
    return this.#current;
  }
}
