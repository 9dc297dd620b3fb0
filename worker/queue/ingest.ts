import type { WebhookAccepted } from "../../shared/protocol/schema";
import { dropMessages, writePayload } from "./payloads";
import { messageId, type QueueContext } from "./queue-context";
import { ensureResyncPending, pendingResyncSeq } from "./resync";
import { bumpStats, readStatsRow } from "./stats-row";

/** A verified, routed webhook, as the edge's ingest route hands it to the queue. */
export interface IngestInput {
  /** `X-Request-Id`, or the SHA-256 of the body when Bitbucket sent none. */
  deliveryId: string;
  eventKey: string;
  /** The ordering unit computed by the shared routing table. */
  entityKey: string;
  /** The raw body, exactly as received. */
  body: Uint8Array;
}

/**
 * Stores one webhook, or recognises it as a duplicate of a delivery seen within the retention period. Runs as one
 * transaction; the Durable Object's output gate holds the answer until it is durable, so the 202 that follows
 * is a promise kept.
 */
export function ingestEvent(ctx: QueueContext, input: IngestInput): WebhookAccepted {
  const { sql, now } = ctx;
  return ctx.storage.transactionSync(() => {
    const seen = sql
      .exec<{ seq: number }>("SELECT seq FROM deliveries WHERE delivery_id = ?", input.deliveryId)
      .toArray()[0];
    if (seen !== undefined) {
      bumpStats(sql, { duplicates: 1 }, { last_webhook_at: now });
      return { id: messageId(seen.seq), duplicate: true };
    }
    makeRoom(ctx);
    const seq = sql
      .exec<{ seq: number }>(
        `INSERT INTO messages (type, event_key, delivery_id, entity_key, received_at, state, visible_at, body_bytes)
         VALUES ('event', ?, ?, ?, ?, 'ready', ?, ?) RETURNING seq`,
        input.eventKey,
        input.deliveryId,
        input.entityKey,
        now,
        now,
        input.body.byteLength,
      )
      .one().seq;
    writePayload(sql, seq, input.body);
    sql.exec("INSERT INTO deliveries (delivery_id, seq, received_at) VALUES (?, ?, ?)", input.deliveryId, seq, now);
    bumpStats(sql, { received: 1 }, { last_webhook_at: now });
    return { id: messageId(seq), duplicate: false };
  });
}

/**
 * Keeps the waiting events under the backlog cap by dropping the oldest ones. Bitbucket must still get its 2xx
 * (it drops everything for up to 10 hours after five failures), so the loss is counted and healed by a resync.
 */
function makeRoom(ctx: QueueContext): void {
  const { sql } = ctx;
  const ready = readStatsRow(sql).ready_count;
  // Far below the cap (the usual case), the pending-resync lookup cannot change the answer: skip it.
  if (ready < ctx.settings.backlogCap) return;
  const waitingEvents = ready - (pendingResyncSeq(sql) === null ? 0 : 1);
  const excess = waitingEvents - ctx.settings.backlogCap + 1;
  if (excess <= 0) return;
  const victims = sql
    .exec<{ seq: number }>(
      "SELECT seq FROM messages WHERE state = 'ready' AND type = 'event' ORDER BY seq LIMIT ?",
      excess,
    )
    .toArray();
  dropMessages(
    sql,
    victims.map((row) => row.seq),
  );
  bumpStats(sql, { dropped: victims.length });
  ensureResyncPending(ctx, "gap");
}
