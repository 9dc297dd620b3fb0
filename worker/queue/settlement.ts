import type {
  AckRequest,
  AckResponse,
  ExtendRequest,
  ExtendResponse,
  LeaseOutcome,
  LeasingAgent,
} from "../../shared/protocol/schema";
import { dropMessages } from "./payloads";
import type { MessageRow, QueueContext } from "./queue-context";
import { coalescedIntoPendingResync } from "./resync";
import { bumpStats } from "./stats-row";

/**
 * Ends leases: ack (done: the message is deleted), retry (back to the queue after a delay), dead (to the dead
 * letters with a reason), expiry (the visibility timeout ran out: back to the queue, or to the dead letters once
 * the attempts are used up). Every lease is remembered for a day after it ends, so that repeating a call is
 * harmless: the first outcome stands and the repeat is answered `ok`.
 */

type LeaseRow = { lease_id: string; seq: number; expires_at: number; outcome: string | null };
type Action = "ack" | "retry" | "dead";
/** `leases.outcome` once a lease ends (the table's comment in migrations.ts predates "released"). */
type LeaseEnd = Action | "expired" | "released";

export function settle(ctx: QueueContext, request: AckRequest): AckResponse {
  return ctx.storage.transactionSync(() => {
    const results: AckResponse["results"] = [];
    for (const leaseId of request.acks) {
      results.push({ leaseId, action: "ack", outcome: settleOne(ctx, leaseId, (row) => ackMessage(ctx, row)) });
    }
    for (const { leaseId, delayMs, reason } of request.retries) {
      const outcome = settleOne(ctx, leaseId, (row) => retryMessage(ctx, row, delayMs, reason));
      results.push({ leaseId, action: "retry", outcome });
    }
    for (const { leaseId, reason } of request.dead) {
      results.push({
        leaseId,
        action: "dead",
        outcome: settleOne(ctx, leaseId, (row) => killMessage(ctx, row, reason)),
      });
    }
    return { results };
  });
}

export function extendLeases(ctx: QueueContext, request: ExtendRequest): ExtendResponse {
  return ctx.storage.transactionSync(() => {
    const results: ExtendResponse["results"] = [];
    for (const { leaseId, visibilityMs } of request.leases) {
      const found = activeLease(ctx, leaseId);
      if (found.outcome !== "active") {
        results.push({ leaseId, outcome: found.outcome });
        continue;
      }
      const leaseExpiresAt = ctx.now + visibilityMs;
      ctx.sql.exec("UPDATE messages SET lease_until = ? WHERE seq = ?", leaseExpiresAt, found.message.seq);
      ctx.sql.exec("UPDATE leases SET expires_at = ? WHERE lease_id = ?", leaseExpiresAt, leaseId);
      results.push({ leaseId, outcome: "ok", leaseExpiresAt });
    }
    return { results };
  });
}

/**
 * Gives back leases that were issued to a caller who had already gone away (a long-poll the agent abandoned): the
 * messages are visible again at once and the attempt is not counted, since nobody received them.
 * @returns how many leases were released
 */
export function releaseLeases(ctx: QueueContext, leaseIds: readonly string[]): number {
  return ctx.storage.transactionSync(() => {
    let released = 0;
    for (const leaseId of leaseIds) {
      const found = activeLease(ctx, leaseId);
      if (found.outcome !== "active") continue;
      const row = found.message;
      endLease(ctx, row, "released");
      requeue(ctx, row, ctx.now, row.last_error ?? "released: the agent went away before receiving it");
      ctx.sql.exec("UPDATE messages SET attempts = max(attempts - 1, 0) WHERE seq = ?", row.seq);
      released++;
    }
    return released;
  });
}

/**
 * Gives back at once the leases an earlier incarnation of this agent still holds: it stopped without settling them
 * (a crash, a SIGKILL), so their work is lost, and waiting out the visibility timeout would only hold their
 * entities. The attempt stays counted, as for an expired lease: a message that crashes the agent each time still
 * ends in the dead letters.
 * @returns how many leases were given back
 */
export function reclaimEarlierIncarnations(ctx: QueueContext, agent: LeasingAgent): number {
  return ctx.storage.transactionSync(() => {
    const held = ctx.sql
      .exec<MessageRow>(
        `SELECT m.* FROM leases AS l JOIN messages AS m ON m.seq = l.seq AND m.lease_id = l.lease_id
          WHERE l.agent_id = ? AND l.incarnation <> ? AND l.outcome IS NULL AND m.state = 'leased'
          ORDER BY m.seq`,
        agent.id,
        agent.incarnation,
      )
      .toArray();
    for (const row of held) {
      endLease(ctx, row, "released");
      bumpStats(ctx.sql, { expired: 1 });
      const note = `the agent restarted during attempt ${row.attempts}`;
      if (row.attempts >= ctx.settings.maxAttempts) {
        deadLetter(
          ctx,
          row,
          row.last_error === null ? `gave up: ${note}` : `gave up: ${note}; earlier: ${row.last_error}`,
        );
      } else {
        requeue(ctx, row, ctx.now, note);
      }
    }
    return held.length;
  });
}

/**
 * Returns every message whose lease has run out to the queue (or to the dead letters). Called by the alarm, and
 * before each look for leasable messages (the alarm may run late); an answer for one lease that ran out expires
 * that lease inline (activeLease).
 * @returns how many leases expired
 */
export function expireDueLeases(ctx: QueueContext): number {
  return ctx.storage.transactionSync(() => {
    const due = ctx.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE state = 'leased' AND lease_until <= ? ORDER BY seq", ctx.now)
      .toArray();
    for (const row of due) expireMessage(ctx, row);
    return due.length;
  });
}

function settleOne(ctx: QueueContext, leaseId: string, act: (row: MessageRow) => void): LeaseOutcome {
  const found = activeLease(ctx, leaseId);
  if (found.outcome !== "active") return found.outcome;
  act(found.message);
  return "ok";
}

type FoundLease = { outcome: "active"; message: MessageRow } | { outcome: LeaseOutcome };

function activeLease(ctx: QueueContext, leaseId: string): FoundLease {
  const { sql } = ctx;
  const lease = sql.exec<LeaseRow>("SELECT * FROM leases WHERE lease_id = ?", leaseId).toArray()[0];
  if (lease === undefined) return { outcome: "unknown" };
  if (lease.outcome === "expired") return { outcome: "expired" };
  // Already acked, retried or dead-lettered through this lease: the first outcome stands.
  if (lease.outcome !== null) return { outcome: "ok" };
  const message = sql
    .exec<MessageRow>("SELECT * FROM messages WHERE seq = ? AND state = 'leased' AND lease_id = ?", lease.seq, leaseId)
    .toArray()[0];
  if (message === undefined) return { outcome: "unknown" };
  if (message.lease_until !== null && message.lease_until <= ctx.now) {
    expireMessage(ctx, message);
    return { outcome: "expired" };
  }
  return { outcome: "active", message };
}

function endLease(ctx: QueueContext, row: MessageRow, outcome: LeaseEnd): void {
  ctx.sql.exec("UPDATE leases SET outcome = ?, ended_at = ? WHERE lease_id = ?", outcome, ctx.now, row.lease_id);
}

function ackMessage(ctx: QueueContext, row: MessageRow): void {
  endLease(ctx, row, "ack");
  dropMessages(ctx.sql, [row.seq]);
  bumpStats(ctx.sql, { acked: 1 });
}

function retryMessage(ctx: QueueContext, row: MessageRow, delayMs: number, reason: string | undefined): void {
  endLease(ctx, row, "retry");
  bumpStats(ctx.sql, { retried: 1 });
  const lastError = reason ?? row.last_error ?? "retried by the agent";
  if (row.attempts >= ctx.settings.maxAttempts) {
    deadLetter(ctx, row, `gave up after ${row.attempts} attempts; last reason: ${lastError}`);
    return;
  }
  requeue(ctx, row, ctx.now + delayMs, lastError);
}

function killMessage(ctx: QueueContext, row: MessageRow, reason: string): void {
  endLease(ctx, row, "dead");
  deadLetter(ctx, row, reason);
}

function expireMessage(ctx: QueueContext, row: MessageRow): void {
  endLease(ctx, row, "expired");
  bumpStats(ctx.sql, { expired: 1 });
  const note = `the lease expired on attempt ${row.attempts}`;
  if (row.attempts >= ctx.settings.maxAttempts) {
    deadLetter(ctx, row, row.last_error === null ? `gave up: ${note}` : `gave up: ${note}; earlier: ${row.last_error}`);
    return;
  }
  requeue(ctx, row, ctx.now, note);
}

/** Puts a message back in the queue (a `resync` coalesces into one already waiting). */
function requeue(ctx: QueueContext, row: MessageRow, visibleAt: number, lastError: string): void {
  if (coalescedIntoPendingResync(ctx.sql, row)) return;
  ctx.sql.exec(
    `UPDATE messages SET state = 'ready', visible_at = ?, lease_id = NULL, lease_until = NULL, last_error = ?
      WHERE seq = ?`,
    visibleAt,
    lastError,
    row.seq,
  );
}

function deadLetter(ctx: QueueContext, row: MessageRow, reason: string): void {
  ctx.sql.exec(
    `UPDATE messages SET state = 'dead', dead_at = ?, last_error = ?, lease_id = NULL, lease_until = NULL
      WHERE seq = ?`,
    ctx.now,
    reason.slice(0, 4_000),
    row.seq,
  );
  bumpStats(ctx.sql, { dead: 1 });
}
