import type { ResyncSummary } from "../sync/resync-summary";

/**
 * One resync at a time per agent: a `resync` message, `bbrelay run`'s start-up resync and an operator's request
 * share one run instead of racing (two resyncs would each see the other's writes as changes).
 */
export class ResyncCoordinator {
  readonly #run: (signal: AbortSignal) => Promise<ResyncSummary>;
  #current: Promise<ResyncSummary> | null = null;

  constructor(run: (signal: AbortSignal) => Promise<ResyncSummary>) {
    this.#run = run;
  }

  get running(): boolean {
    return this.#current !== null;
  }

  /** Starts a resync, or joins the one already running. */
  run(signal: AbortSignal): Promise<ResyncSummary> {
    this.#current ??= this.#run(signal).finally(() => {
      this.#current = null;
    });
    return this.#current;
  }
}
