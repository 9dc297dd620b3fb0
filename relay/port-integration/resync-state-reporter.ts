import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { ResyncStatus } from "./integration-schema";
import type { PortIntegrationClient } from "./port-integration-client";

/**
 * Port's resync state for the integration's page (port-api.md §4, Ocean's `ResyncStateUpdater`): `running` with the
 * start before a resync, then `completed`, `failed` or `aborted` with the end, each with the next scheduled resync
 * and the interval. A report that fails is logged and forgotten: the resync itself matters more than its label.
 */
export class ResyncStateReporter {
  readonly #client: PortIntegrationClient;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #schedule: () => { intervalMinutes: number | null; nextAt: number | null };

  constructor(options: {
    client: PortIntegrationClient;
    log: Logger;
    now: () => number;
    /** The interval in force and the next scheduled resync (epoch ms), when there is one. */
    schedule: () => { intervalMinutes: number | null; nextAt: number | null };
  }) {
    this.#client = options.client;
    this.#log = options.log;
    this.#now = options.now;
    this.#schedule = options.schedule;
  }

  running(): Promise<void> {
    return this.#report("running", { lastResyncStart: iso(this.#now()), lastResyncEnd: null });
  }

  finished(status: Exclude<ResyncStatus, "running">): Promise<void> {
    return this.#report(status, { lastResyncEnd: iso(this.#now()) });
  }

  async #report(
    status: ResyncStatus,
    times: { lastResyncStart?: string; lastResyncEnd: string | null },
  ): Promise<void> {
    const { intervalMinutes, nextAt } = this.#schedule();
    try {
      // No abort signal: an `aborted` report is sent while the agent stops, after its signal fired.
      await this.#client.reportResyncState({
        status,
        ...times,
        nextResync: nextAt === null ? null : iso(nextAt),
        intervalInMinuets: intervalMinutes,
      });
    } catch (error) {
      this.#log.warn({ status, error: messageOf(error) }, "Could not report the resync state to Port");
    }
  }
}

/**
 * Port's resync states from a resync's status. `partial` (some entities refused, or a kind cut short) is `failed`,
 * as in Ocean: a resync with any registration error returns false and its state is set to failed, and it skips the
 * delete phase just as ours does, so Port's page should not call it completed.
 */
export function portStatusOf(status: string): Exclude<ResyncStatus, "running"> {
  if (status === "succeeded") return "completed";
  if (status === "aborted") return "aborted";
  return "failed";
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
