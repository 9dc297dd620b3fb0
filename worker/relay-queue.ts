import { DurableObject } from "cloudflare:workers";
import {
  AckRequest,
  type AckRequestInput,
  type AckResponse,
  type DeadLetterList,
  DropRequest,
  type DropResponse,
  ExtendRequest,
  type ExtendResponse,
  LeaseRequest,
  type LeaseRequestInput,
  RedriveRequest,
  type RedriveResponse,
  ResyncReason,
  type ResyncRequestResponse,
  type WebhookAccepted,
} from "../shared/protocol/schema";
import { type EdgeSettings, readSettings } from "./config/settings";
import {
  DEAD_LETTER_PAGE_DEFAULT,
  DEAD_LETTER_PAGE_MAX,
  dropDeadLetters,
  listDeadLetters,
  redrive,
} from "./queue/dead-letters";
import { nextDeadline } from "./queue/deadlines";
import { type IngestInput, ingestEvent } from "./queue/ingest";
import { type LeasedRecord, leaseVisible } from "./queue/leasing";
import { migrate } from "./queue/migrations";
import type { QueueContext } from "./queue/queue-context";
import { type QueueFigures, queueFigures } from "./queue/queue-stats";
import { ensureResyncPending } from "./queue/resync";
import { sweepRetention } from "./queue/retention";
import {
  expireDueLeases,
  extendLeases,
  reclaimEarlierIncarnations,
  releaseLeases as releaseIssuedLeases,
  settle,
} from "./queue/settlement";
import { bumpStats, readStatsRow } from "./queue/stats-row";
import { Waiters } from "./queue/waiters";

export interface LeaseResult {
  messages: LeasedRecord[];
  backlog: number;
}

export type Rejection = "bad-signature" | "ignored";

/**
 * The per-tenant queue: a SQLite-backed Durable Object (one per tenant, addressed by name). Its public methods
 * are its RPC surface, called only by this Worker's routes after they have authenticated and validated the
 * request; they validate again, because an RPC boundary is a boundary. The logic lives in `queue/`; this class
 * owns the storage, the alarm and the long-poll's waiting room.
 */
export class RelayQueue extends DurableObject<Env> {
  readonly #waiters = new Waiters();
  readonly #settings: EdgeSettings | null;
  readonly #settingsProblems: readonly string[];
  /** The alarm as last set, so that an unchanged deadline costs no write. */
  #alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const read = readSettings(env);
    this.#settings = read.ok ? read.settings : null;
    this.#settingsProblems = read.ok ? [] : read.problems;
    // Migrations run before any request or alarm is delivered.
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage);
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  async ingest(input: IngestInput): Promise<WebhookAccepted> {
    if (!(input.body instanceof Uint8Array) || input.deliveryId.length === 0 || input.entityKey.length === 0) {
      throw new TypeError("ingest needs a delivery id, an entity key and the body as bytes");
    }
    const ctx = this.#context();
    const accepted = ingestEvent(ctx, input);
    if (!accepted.duplicate) this.#waiters.wakeAll();
    // An ingest only adds deadlines later than any already set (its retention runs out last), so an alarm that
    // is already set stays right and the hot path skips recomputing it.
    if (this.#alarmAt === null) await this.#schedule(ctx);
    return accepted;
  }

  /** Counts a refused delivery (bad signature) or an event key the relay does not handle. */
  async reject(kind: Rejection): Promise<void> {
    const { sql, now } = this.#context();
    if (kind === "bad-signature") bumpStats(sql, { bad_signatures: 1 });
    else bumpStats(sql, { ignored: 1 }, { last_webhook_at: now });
  }

  /** Bitbucket's "Test connection" reached the edge. */
  async ping(): Promise<void> {
    const { sql, now } = this.#context();
    bumpStats(sql, {}, { last_ping_at: now });
  }

  /**
   * Leases visible messages; when there are none, waits up to `waitMs` for one to arrive (long-poll). Returns as
   * soon as anything was leased.
   */
  async lease(input: LeaseRequestInput, waitId?: string): Promise<LeaseResult> {
    const request = LeaseRequest.parse(input);
    const start = this.#context();
    bumpStats(start.sql, {}, { last_agent_contact_at: start.now });
    const deadline = start.now + request.waitMs;
    // A restarted agent: what its earlier run held is visible again now, for this call to lease.
    if (request.agent !== undefined) reclaimEarlierIncarnations(start, request.agent);
    if (waitId !== undefined) this.#waiters.begin(waitId);
    try {
      for (;;) {
        const ctx = this.#context();
        // The caller has gone away (its route saw the request aborted): lease nothing it could not receive.
        if (waitId !== undefined && this.#waiters.isAbandoned(waitId)) {
          return { messages: [], backlog: readStatsRow(ctx.sql).ready_count };
        }
        // The alarm may run late (it is at-least-once, not on time): leases already past their deadline go back
        // first, so that they can be handed out now and do not hold their entity.
        expireDueLeases(ctx);
        const messages = leaseVisible(ctx, request.max, request.visibilityMs, request.agent ?? null);
        if (messages.length > 0 || ctx.now >= deadline) {
          if (messages.length > 0) await this.#schedule(ctx);
          return { messages, backlog: readStatsRow(ctx.sql).ready_count };
        }
        await this.#waiters.wait(deadline - ctx.now);
      }
    } finally {
      if (waitId !== undefined) this.#waiters.end(waitId);
    }
  }

  /** The long-poll `waitId` lost its caller (the agent stopped, or its connection broke): end it, leasing nothing. */
  async abandonLease(waitId: string): Promise<void> {
    this.#waiters.abandon(waitId);
  }

  /**
   * Gives back leases issued to a caller that had already gone away, without counting the attempt.
   * @returns how many were released
   */
  async releaseLeases(leaseIds: string[]): Promise<number> {
    const ctx = this.#context();
    const released = releaseIssuedLeases(ctx, leaseIds);
    if (released > 0) this.#waiters.wakeAll();
    await this.#schedule(ctx);
    return released;
  }

  async ack(input: AckRequestInput): Promise<AckResponse> {
    const request = AckRequest.parse(input);
    const ctx = this.#context();
    bumpStats(ctx.sql, {}, { last_agent_contact_at: ctx.now });
    const response = settle(ctx, request);
    // Any settled message frees its entity: a message of the same entity held back behind it is leasable now, so
    // waiting lease calls look again (otherwise it would wait for the next ingest or the long-poll's end).
    if (response.results.some((result) => result.outcome === "ok")) this.#waiters.wakeAll();
    await this.#schedule(ctx);
    return response;
  }

  async extend(input: ExtendRequest): Promise<ExtendResponse> {
    const request = ExtendRequest.parse(input);
    const ctx = this.#context();
    bumpStats(ctx.sql, {}, { last_agent_contact_at: ctx.now });
    const response = extendLeases(ctx, request);
    await this.#schedule(ctx);
    return response;
  }

  async stats(): Promise<QueueFigures> {
    return queueFigures(this.#context());
  }

  async deadLetters(query: { limit?: number; after?: string }): Promise<DeadLetterList> {
    const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? DEAD_LETTER_PAGE_DEFAULT)), DEAD_LETTER_PAGE_MAX);
    return listDeadLetters(this.#context(), limit, query.after);
  }

  async redrive(input: RedriveRequest): Promise<RedriveResponse> {
    const request = RedriveRequest.parse(input);
    const ctx = this.#context();
    const response = redrive(ctx, request);
    if (response.redriven > 0) this.#waiters.wakeAll();
    await this.#schedule(ctx);
    return response;
  }

  async dropDeadLetters(input: DropRequest): Promise<DropResponse> {
    return dropDeadLetters(this.#context(), DropRequest.parse(input));
  }

  /** Queues a full resync unless one is already waiting (cron, operator, gap healing all coalesce). */
  async requestResync(reason: ResyncReason): Promise<ResyncRequestResponse> {
    const ctx = this.#context();
    const response = ensureResyncPending(ctx, ResyncReason.parse(reason));
    if (!response.coalesced) this.#waiters.wakeAll();
    await this.#schedule(ctx);
    return response;
  }

  /** Every deadline at once: expired leases, delayed retries now visible, retention. */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    const ctx = this.#context();
    expireDueLeases(ctx);
    sweepRetention(ctx);
    // Expired leases and delayed retries may have made messages visible: let waiting lease calls look again.
    this.#waiters.wakeAll();
    // Set last: a throw above leaves the platform's retry of this alarm in place.
    await this.#schedule(ctx);
  }

  #context(): QueueContext {
    if (this.#settings === null) {
      throw new Error(`the edge's [vars] are invalid: ${this.#settingsProblems.join("; ")}`);
    }
    return { storage: this.ctx.storage, sql: this.ctx.storage.sql, settings: this.#settings, now: Date.now() };
  }

  async #schedule(ctx: QueueContext): Promise<void> {
    const at = nextDeadline(ctx);
    if (at === null || at === this.#alarmAt) return;
    // An alarm in the past fires at once; that is what a deadline already reached needs.
    await this.ctx.storage.setAlarm(at);
    this.#alarmAt = at;
  }
}
