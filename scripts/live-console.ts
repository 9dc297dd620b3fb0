import { messageOf } from "../relay/log/message-of";
import type { ActivityStep } from "../test/fakes/bitbucket-server/activity-simulator";
import { type AgentLogEvent, parseAgentLogLine } from "./agent-log-events";
import { describeDeliveries, SIMULATION_LABEL } from "./bitbucket-simulator";
import { type ChangeTally, formatChange, formatCounts, formatTally, tallyChanges } from "./catalog-change-format";
import { type CatalogChange, CatalogWatcher } from "./catalog-watcher";
import { formatSeconds } from "./start-banner";

/**
 * What `npm start` shows while it runs: the agent's milestones (webhooks installed, resyncs with the catalog's
 * counts per blueprint afterwards), one line per catalog change as entities arrive, the simulated changes that
 * caused them, and the agent's warnings and errors. Catalog changes made by a resync are counted rather than listed
 * (a first resync writes every entity); live changes are listed as the watcher sees them.
 */

export interface ResyncOutcome {
  status: string;
  durationMs: number;
  /** What the resync (and any live event meanwhile) changed, or null without a local catalog. */
  tally: ChangeTally | null;
  /** Entities per blueprint afterwards, or null without a local catalog. */
  counts: Map<string, number> | null;
}

export interface LiveConsoleOptions {
  print: (line: string) => void;
  /** The local catalog to watch, or null (the agent writes to Port). */
  catalogPath: string | null;
  /** How the Bitbucket server is named in lines (the simulation's name carries its label). */
  bitbucketName: string;
  /** Milliseconds between looks at the catalog. Default 250. */
  pollMs?: number;
  clock?: () => Date;
}

export class LiveConsole {
  readonly firstResync: Promise<ResyncOutcome>;
  readonly #options: LiveConsoleOptions;
  readonly #clock: () => Date;
  #resolveFirst: (outcome: ResyncOutcome) => void = () => undefined;
  #rejectFirst: (error: Error) => void = () => undefined;
  #resyncs = 0;
  #webhookReports = 0;
  #readFailing = false;
  #resyncing = false;
  #stopping = false;
  #watcher: CatalogWatcher | null = null;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LiveConsoleOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
    this.firstResync = new Promise<ResyncOutcome>((resolve, reject) => {
      this.#resolveFirst = resolve;
      this.#rejectFirst = reject;
    });
    // Nobody may be waiting for it (a failed start is reported by the agent's exit); never an unhandled rejection.
    this.firstResync.catch(() => undefined);
  }

  /** One line the agent wrote. */
  agentLine(line: string): void {
    this.#onAgentEvent(parseAgentLogLine(line));
  }

  /** One simulated change, or the error that stopped it. */
  simulatorStep(step: ActivityStep | { action: string; error: unknown }): void {
    if ("error" in step) {
      this.#live(
        `${SIMULATION_LABEL} a simulated change failed: ${step.error instanceof Error ? step.error.message : String(step.error)}`,
      );
      return;
    }
    this.#live(`${SIMULATION_LABEL} ${step.action}: ${describeDeliveries(step.deliveries)}`);
  }

  /** From now on, the agent's warnings go to its log file only (stopping makes some: a lease cut short). */
  stopping(): void {
    this.#stopping = true;
  }

  /** Shows the last changes, then stops watching. */
  finish(agentCode: number | null): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (!this.#resyncing) this.#showChanges();
    this.#watcher?.close();
    this.#watcher = null;
    this.#rejectFirst(new Error(`the agent stopped (exit ${agentCode ?? "?"}) before its first resync finished`));
  }

  #onAgentEvent(event: AgentLogEvent): void {
    switch (event.event) {
      case "started":
        this.#openWatcher();
        return;
      case "console":
        this.#options.print(
          `Console          ${event.url}   (the agent's web console: catalog, sync history and live feed, queue, mapping; /metrics for Prometheus)`,
        );
        return;
      case "webhooks": {
        // The reconcile after each resync usually finds nothing to do: shown only when it did something.
        if (this.#webhookReports++ > 0 && event.created + event.updated + event.failed === 0) return;
        const failed = event.failed > 0 ? `, ${event.failed} failed (see \`npx bbrelay webhooks list\`)` : "";
        this.#options.print(
          `Webhooks in ${this.#options.bitbucketName} (${event.when}): ${event.created} created, ${event.updated} updated, ${event.unchanged} unchanged${failed}`,
        );
        return;
      }
      case "resync-started":
        this.#resyncing = true;
        this.#options.print(
          this.#resyncs === 0 ? `First resync: reading ${this.#options.bitbucketName} over REST…` : "Resync started…",
        );
        return;
      case "resync-finished":
        this.#resyncFinished(event.status, event.durationMs);
        return;
      case "problem":
        if (!this.#stopping)
          this.#live(
            `agent ${event.level.toUpperCase()} ${event.message}${event.details === "" ? "" : `  ${event.details}`}`,
          );
        return;
      case "text":
        this.#options.print(`agent: ${event.text}`);
        return;
      case "other":
        return;
    }
  }

  #openWatcher(): void {
    if (this.#options.catalogPath === null || this.#watcher !== null) return;
    try {
      this.#watcher = new CatalogWatcher({ path: this.#options.catalogPath });
    } catch (error) {
      this.#options.print(`Cannot watch the local catalog (${messageOf(error)}); live changes will not be shown`);
      return;
    }
    const counts = this.#watcher.counts();
    if (counts.size > 0) this.#options.print(["The local catalog at start:", ...formatCounts(counts)].join("\n"));
    this.#timer = setInterval(() => {
      if (!this.#resyncing) this.#showChanges();
    }, this.#options.pollMs ?? 250);
  }

  #showChanges(): void {
    for (const change of this.#look()) this.#live(`catalog ${formatChange(change)}`);
  }

  /** The catalog's changes; a failed read (the file locked or removed) is told once and retried at the next look. */
  #look(): CatalogChange[] {
    try {
      const changes = this.#watcher?.poll() ?? [];
      this.#readFailing = false;
      return changes;
    } catch (error) {
      if (!this.#readFailing) this.#options.print(`Cannot read the local catalog (${messageOf(error)}); trying again`);
      this.#readFailing = true;
      return [];
    }
  }

  #resyncFinished(status: string, durationMs: number): void {
    this.#resyncing = false;
    const watcher = this.#watcher;
    const tally = watcher === null ? null : tallyChanges(this.#look());
    const counts = watcher === null ? null : watcher.counts();
    const first = this.#resyncs === 0;
    this.#resyncs++;
    const name = first ? "First resync" : "Resync";
    // Stopping aborts a resync under way: say so rather than report a plain failure.
    const head = this.#stopping
      ? `${name} cut short by the stop (${status} after ${formatSeconds(durationMs)})`
      : `${name} ${status} in ${formatSeconds(durationMs)}`;
    if (tally === null || counts === null) {
      this.#options.print(`${head}.`);
    } else if (first) {
      this.#options.print(
        [`${head}: ${formatTally(tally)}. The local catalog now holds:`, ...formatCounts(counts)].join("\n"),
      );
    } else {
      const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
      this.#options.print(`${head}: ${formatTally(tally)}; the local catalog holds ${total} entities.`);
    }
    if (first) this.#resolveFirst({ status, durationMs, tally, counts });
  }

  /** A line of the live part, with the time. */
  #live(text: string): void {
    this.#options.print(`${this.#clock().toTimeString().slice(0, 8)} ${text}`);
  }
}
