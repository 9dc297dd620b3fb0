import type { ResyncReason, ResyncRequestResponse } from "../../shared/protocol/schema";
import { messageId, type QueueContext, RESYNC_ENTITY_KEY } from "./queue-context";

/**
 * Makes sure one `resync` message is pending (waiting, not in flight). The cron tick, an operator's request and
 * the healing of a gap (anything dropped) all coalesce into it: a second request while one waits adds nothing.
 * A resync already in flight does not count, because it may have listed Bitbucket before the change that asks
 * for this one.
 */
export function ensureResyncPending(ctx: QueueContext, reason: ResyncReason): ResyncRequestResponse {
  const pending = pendingResyncSeq(ctx.sql);
  if (pending !== null) return { id: messageId(pending), coalesced: true };
  const seq = ctx.sql
    .exec<{ seq: number }>(
      `INSERT INTO messages (type, entity_key, resync_reason, received_at, state, visible_at)
       VALUES ('resync', ?, ?, ?, 'ready', ?) RETURNING seq`,
      RESYNC_ENTITY_KEY,
      reason,
      ctx.now,
      ctx.now,
    )
    .one().seq;
  return { id: messageId(seq), coalesced: false };
}

/** @returns the sequence number of the waiting `resync` message, or null */
export function pendingResyncSeq(sql: SqlStorage): number | null {
  const row = sql
    .exec<{ seq: number }>(
      "SELECT seq FROM messages WHERE entity_key = ? AND state = 'ready' ORDER BY seq LIMIT 1",
      RESYNC_ENTITY_KEY,
    )
    .toArray()[0];
  return row?.seq ?? null;
}

/**
 * A `resync` going back to the queue (retried, expired, redriven) coalesces into the one already waiting, so there is
 * never more than one pending.
 * @returns whether the message was a resync and was dropped for the waiting one
 */
export function coalescedIntoPendingResync(sql: SqlStorage, row: { seq: number; entity_key: string }): boolean {
  if (row.entity_key !== RESYNC_ENTITY_KEY || pendingResyncSeq(sql) === null) return false;
  sql.exec("DELETE FROM messages WHERE seq = ?", row.seq);
  return true;
}
