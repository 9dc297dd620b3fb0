import type { LeasedMessage, QueueStats } from "../../shared/protocol/schema";
import type { DrainObserver } from "../live/drain-loop";
import type { MessageOutcome } from "../live/message-outcome";
import { messageOf } from "../log/message-of";
import { type AttemptWatch, attemptWatch, type FetchReport, instrumentedFetch } from "../metrics/instrumented-fetch";
import type { HttpService, RelayMetrics } from "../metrics/relay-metrics";
import type { ResyncSummary } from "../sync/resync-summary";
import { LiveFeed } from "./live-feed";

/** The last try of a service: when, and whether it answered (any HTTP status) or not (refused, timed out). */
export interface LastTry {
  at: number;
  status: number | null;
}

/** The edge's stats as last read, or the reason the last read failed. */
export type EdgeFigures =
  | { kind: "none" }
  | { kind: "ok"; stats: QueueStats; at: number }
  | { kind: "failed"; error: string; at: number; last: QueueStats | null };

/**
 * What `bbrelay run` observes of itself for the console, the health checks and the metrics: the drain loop's
 * observer, the transports' fetch, the edge's stats on a timer. Each hook only updates a few fields in memory, so
 * the drain loop and a resync never wait for the console.
 */
export class AgentMonitor {
  readonly feed: LiveFeed;
  readonly metrics: RelayMetrics;
  readonly startedAt: number;
  readonly #now: () => number;
  #edgeAnsweredAt: number | null = null;
  #edge: EdgeFigures = { kind: "none" };
  readonly #lastTry = new Map<HttpService, LastTry>();

  constructor(options: { metrics: RelayMetrics; feed?: LiveFeed; now?: () => number }) {
    this.metrics = options.metrics;
    this.feed = options.feed ?? new LiveFeed();
    this.#now = options.now ?? Date.now;
    this.startedAt = this.#now();
  }

  readonly drain: DrainObserver = {
    edgeAnswered: (at) => {
      this.#edgeAnsweredAt = at;
    },
    leased: (message) => this.metrics.eventLeased(message),
    settled: (message, outcome, startedAt, finishedAt) => this.#settled(message, outcome, startedAt, finishedAt),
  };

  #settled(message: LeasedMessage, outcome: MessageOutcome, startedAt: number, finishedAt: number): void {
    this.metrics.eventSettled(message, outcome, finishedAt);
    this.feed.add({
      messageId: message.id,
      type: message.type,
      eventKey: message.eventKey ?? null,
      entityKey: message.entityKey,
      resyncReason: message.reason ?? null,
      attempts: message.attempts,
      outcome: outcome.action === "ack" ? "ok" : outcome.action,
      detail: outcome.action === "ack" ? null : outcome.reason,
      delayMs: Math.max(0, finishedAt - message.receivedAt),
      startedAt,
      finishedAt,
    });
  }

  resyncFinished(summary: ResyncSummary): void {
    this.metrics.resyncFinished(summary);
  }

  /** A fetch for a transport that reports each attempt to the metrics and keeps the service's last try. */
  fetchFor(service: HttpService, inner: typeof fetch = fetch): typeof fetch {
    return instrumentedFetch(inner, (report) => this.#tried(service, report), this.#now);
  }

  /** The same watch as {@link fetchFor}'s, for a transport that does not send through fetch (Bitbucket's). */
  watchFor(service: HttpService): AttemptWatch {
    return attemptWatch((report) => this.#tried(service, report), this.#now);
  }

  #tried(service: HttpService, report: FetchReport): void {
    this.metrics.httpAttempt(service, report.status, report.seconds);
    this.#lastTry.set(service, { at: report.at, status: report.status });
  }

  lastTry(service: HttpService): LastTry | null {
    return this.#lastTry.get(service) ?? null;
  }

  /** When the edge last answered (a lease or a stats call), or null. */
  get edgeAnsweredAt(): number | null {
    return this.#edgeAnsweredAt;
  }

  get edge(): EdgeFigures {
    return this.#edge;
  }

  /** Reads the edge's stats once (the poller's tick; the console's Queue page also refreshes on demand). */
  async refreshEdge(read: () => Promise<QueueStats>): Promise<EdgeFigures> {
    try {
      const stats = await read();
      const at = this.#now();
      this.#edgeAnsweredAt = at;
      this.#edge = { kind: "ok", stats, at };
      this.metrics.edgeStats(stats, at);
    } catch (error) {
      const last = this.#edge.kind === "ok" ? this.#edge.stats : this.#edge.kind === "failed" ? this.#edge.last : null;
      this.#edge = { kind: "failed", error: messageOf(error), at: this.#now(), last };
      this.metrics.edgeStats(null, this.#now());
    }
    return this.#edge;
  }

  /** Refreshes the edge's figures every `intervalMs` until stopped. */
  pollEdge(read: () => Promise<QueueStats>, intervalMs: number): { stop(): void } {
    let running = false;
    const tick = () => {
      if (running) return;
      running = true;
      void this.refreshEdge(read).finally(() => {
        running = false;
      });
    };
    tick();
    // Real time on purpose: it only refreshes what the console displays.
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }
}
