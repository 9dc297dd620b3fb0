import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { EVENT_ROUTES } from "../../shared/events/routing";
import type { LeasedMessage, QueueStats } from "../../shared/protocol/schema";
import type { MessageOutcome } from "../live/message-outcome";
import type { ResyncSummary } from "../sync/resync-summary";

/**
 * The agent's Prometheus metrics (prom-client, one registry per agent so tests and two agents in one process do
 * not share counters). Names follow Prometheus' conventions: `bbrelay_` prefix, the unit in the name, `_total` on
 * counters; label values come from closed sets (event keys of the routing table, kinds, outcomes, status classes),
 * never an entity, repository or message identifier, so the series count stays bounded.
 */

export type HttpService = "bitbucket" | "port";

/** What `first()` calls each jq engine served, and the runs the compiled engine handed back to jq-wasm. */
export interface JqCounts {
  evaluations: Readonly<Record<string, number>>;
  fallbacks: Readonly<Record<"deferred" | "divergence", number>>;
}

const DELAY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
const HTTP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RESYNC_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

export class RelayMetrics {
  readonly registry = new Registry();
  readonly #eventsLeased;
  readonly #eventsHandled;
  readonly #eventDelay;
  readonly #resyncRuns;
  readonly #resyncDuration;
  readonly #resyncEntities;
  readonly #resyncLastSuccess;
  readonly #httpRequests;
  readonly #httpDuration;
  readonly #httpRetries;
  readonly #edge;
  #jq: () => JqCounts = () => ({ evaluations: {}, fallbacks: { deferred: 0, divergence: 0 } });

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.#eventsLeased = new Counter({
      name: "bbrelay_events_leased_total",
      help: "Messages leased from the edge, by type (event, resync) and Bitbucket event key",
      labelNames: ["type", "event_key"],
      registers,
    });
    this.#eventsHandled = new Counter({
      name: "bbrelay_events_handled_total",
      help: "Messages handled, by outcome: ok (written and acked), retry (a transient failure), dead (dead-lettered)",
      labelNames: ["type", "event_key", "outcome"],
      registers,
    });
    this.#eventDelay = new Histogram({
      name: "bbrelay_event_delay_seconds",
      help: "From the edge's receipt of a webhook to the catalog write that handled it",
      buckets: DELAY_BUCKETS,
      registers,
    });
    this.#resyncRuns = new Counter({
      name: "bbrelay_resync_runs_total",
      help: "Resyncs run by this agent, by final status",
      labelNames: ["status"],
      registers,
    });
    this.#resyncDuration = new Histogram({
      name: "bbrelay_resync_duration_seconds",
      help: "How long resyncs took, by final status",
      labelNames: ["status"],
      buckets: RESYNC_BUCKETS,
      registers,
    });
    this.#resyncEntities = new Counter({
      name: "bbrelay_resync_entities_total",
      help: "Entities handled by resyncs, by kind and result (created, updated, unchanged, deleted, failed, warning)",
      labelNames: ["kind", "result"],
      registers,
    });
    this.#resyncLastSuccess = new Gauge({
      name: "bbrelay_resync_last_success_timestamp_seconds",
      help: "When the last resync that succeeded finished (Unix time); 0 until one has",
      registers,
    });
    this.#httpRequests = new Counter({
      name: "bbrelay_http_requests_total",
      help: "HTTP requests (each attempt) to Bitbucket and Port, by status class (2xx … 5xx, or error: no answer)",
      labelNames: ["service", "status_class"],
      registers,
    });
    this.#httpDuration = new Histogram({
      name: "bbrelay_http_request_duration_seconds",
      help: "Latency of each HTTP attempt to Bitbucket and Port, until the response headers",
      labelNames: ["service"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.#httpRetries = new Counter({
      name: "bbrelay_http_retries_total",
      help: "HTTP attempts to Bitbucket and Port that were retried after a failure",
      labelNames: ["service"],
      registers,
    });
    this.#edge = edgeGauges(registers);
    const jq = (): JqCounts => this.#jq();
    new Counter({
      name: "bbrelay_jq_evaluations_total",
      help: "jq programs run by the mapping, by the engine that served them (compiled, jq-wasm)",
      labelNames: ["engine"],
      registers,
      collect() {
        this.reset();
        for (const [engine, count] of Object.entries(jq().evaluations)) this.inc({ engine }, count);
      },
    });
    new Counter({
      name: "bbrelay_jq_fallbacks_total",
      help: "Compiled jq runs handed to jq-wasm: deferred (a value it cannot treat exactly), divergence (a shadow run differed)",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        const { fallbacks } = jq();
        this.inc({ reason: "deferred" }, fallbacks.deferred);
        this.inc({ reason: "divergence" }, fallbacks.divergence);
      },
    });
  }

  /** Where the jq counts come from (read at each scrape; counting per run in prom-client would slow the mapper). */
  readJqFrom(source: () => JqCounts): void {
    this.#jq = source;
  }

  eventLeased(message: LeasedMessage): void {
    this.#eventsLeased.inc(labelsOf(message));
  }

  eventSettled(message: LeasedMessage, outcome: MessageOutcome, finishedAt: number): void {
    const result = outcome.action === "ack" ? "ok" : outcome.action;
    this.#eventsHandled.inc({ ...labelsOf(message), outcome: result });
    if (outcome.action === "ack" && message.type === "event")
      this.#eventDelay.observe(Math.max(0, finishedAt - message.receivedAt) / 1_000);
  }

  resyncFinished(summary: ResyncSummary): void {
    this.#resyncRuns.inc({ status: summary.status });
    this.#resyncDuration.observe({ status: summary.status }, summary.durationMs / 1_000);
    for (const kind of summary.kinds) {
      for (const result of ["created", "updated", "unchanged", "failed", "warnings"] as const) {
        const count = kind[result];
        if (count > 0)
          this.#resyncEntities.inc({ kind: kind.kind, result: result === "warnings" ? "warning" : result }, count);
      }
    }
    if (summary.reconcile.deleted > 0 && summary.reconcile.status === "deleted")
      this.#resyncEntities.inc({ kind: "any", result: "deleted" }, summary.reconcile.deleted);
    if (summary.status === "succeeded") this.#resyncLastSuccess.set(Date.parse(summary.finishedAt) / 1_000);
  }

  httpAttempt(service: HttpService, status: number | null, seconds: number): void {
    this.#httpRequests.inc({ service, status_class: status === null ? "error" : `${Math.floor(status / 100)}xx` });
    this.#httpDuration.observe({ service }, seconds);
  }

  httpRetry(service: HttpService): void {
    this.#httpRetries.inc({ service });
  }

  /** The edge's figures from its stats, or `null` when the last refresh failed (`bbrelay_edge_up` 0). */
  edgeStats(stats: QueueStats | null, at: number): void {
    this.#edge.up.set(stats === null ? 0 : 1);
    if (stats === null) return;
    this.#edge.backlog.set(stats.backlog);
    this.#edge.delayed.set(stats.delayed);
    this.#edge.inFlight.set(stats.inFlight);
    this.#edge.deadLetters.set(stats.deadLetters);
    this.#edge.oldestAge.set((stats.oldestMessageAgeMs ?? 0) / 1_000);
    this.#edge.resyncPending.set(stats.resyncPending ? 1 : 0);
    this.#edge.refreshed.set(at / 1_000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function labelsOf(message: LeasedMessage): { type: string; event_key: string } {
  // Only the routing table's keys: anything else (a newer edge) is "other", so a label cannot grow without bound.
  const key = message.eventKey;
  return {
    type: message.type,
    event_key: message.type === "resync" ? "" : key !== undefined && Object.hasOwn(EVENT_ROUTES, key) ? key : "other",
  };
}

function edgeGauges(registers: Registry[]) {
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  return {
    up: gauge("bbrelay_edge_up", "1 when the last refresh of the edge's stats succeeded, else 0"),
    backlog: gauge("bbrelay_edge_backlog_messages", "Messages waiting at the edge (visible or delayed)"),
    delayed: gauge("bbrelay_edge_delayed_messages", "Of the backlog, messages held back by a retry delay"),
    inFlight: gauge("bbrelay_edge_in_flight_messages", "Messages leased and not yet acked"),
    deadLetters: gauge("bbrelay_edge_dead_letters", "Messages in the edge's dead letters"),
    oldestAge: gauge(
      "bbrelay_edge_oldest_message_age_seconds",
      "Age of the oldest undelivered message at the edge (0 when none)",
    ),
    resyncPending: gauge("bbrelay_edge_resync_pending", "1 when a resync is queued at the edge"),
    refreshed: gauge(
      "bbrelay_edge_stats_last_refresh_timestamp_seconds",
      "When the edge's stats were last read successfully (Unix time)",
    ),
  };
}
