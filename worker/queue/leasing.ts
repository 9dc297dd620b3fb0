import { type LeasingAgent, type MessageType, ResyncReason } from "../../shared/protocol/schema";
import { readPayload } from "./payloads";
import { type MessageRow, messageId, type QueueContext } from "./queue-context";

/**
 * A leased message as it crosses the Durable Object's RPC boundary: concrete fields only (a `payload: unknown`
 * would type the whole stub method as `never`), and the body as raw bytes, so the edge can return it byte-exact.
 */
export interface LeasedRecord {
  id: string;
  leaseId: string;
  type: MessageType;
  eventKey?: string;
  deliveryId?: string;
  entityKey: string;
  reason?: ResyncReason;
  receivedAt: number;
  attempts: number;
  leaseExpiresAt: number;
  payload?: Uint8Array;
}

/**
 * Payload bytes one lease answer may carry (at least one message is always returned). The answer crosses RPC
 * (32 MiB per call) and is turned into JSON text inside a 128 MB isolate.
 */
export const LEASE_PAYLOAD_BUDGET_BYTES = 16 * 1024 * 1024;

/**
 * Leases up to `max` visible messages, oldest first, at most one per entity, and none of an entity that already
 * has a message in flight: the agent may then process a batch concurrently without two changes of one entity
 * racing. A delayed retry does not hold back newer events of its entity: the agent re-reads the entity's current
 * state whatever the event, so order only matters between messages that could run at the same time.
 */
export function leaseVisible(
  ctx: QueueContext,
  max: number,
  visibilityMs: number,
  agent: LeasingAgent | null = null,
): LeasedRecord[] {
  const { sql, now } = ctx;
  return ctx.storage.transactionSync(() => {
    const candidates = sql
      .exec<MessageRow>(
        `SELECT * FROM messages AS m
          WHERE m.state = 'ready' AND m.visible_at <= ?
            AND NOT EXISTS (SELECT 1 FROM messages AS busy
                             WHERE busy.entity_key = m.entity_key AND busy.state = 'leased')
            AND NOT EXISTS (SELECT 1 FROM messages AS older
                             WHERE older.entity_key = m.entity_key AND older.state = 'ready'
                               AND older.seq < m.seq AND older.visible_at <= ?)
          ORDER BY m.seq
          LIMIT ?`,
        now,
        now,
        max,
      )
      .toArray();
    const leased: LeasedRecord[] = [];
    let payloadBytes = 0;
    for (const row of candidates) {
      if (leased.length > 0 && payloadBytes + row.body_bytes > LEASE_PAYLOAD_BUDGET_BYTES) break;
      payloadBytes += row.body_bytes;
      leased.push(leaseOne(ctx, row, visibilityMs, agent));
    }
    return leased;
  });
}

function leaseOne(ctx: QueueContext, row: MessageRow, visibilityMs: number, agent: LeasingAgent | null): LeasedRecord {
  const { sql, now } = ctx;
  const leaseId = crypto.randomUUID();
  const leaseExpiresAt = now + visibilityMs;
  const attempts = row.attempts + 1;
  sql.exec(
    "UPDATE messages SET state = 'leased', lease_id = ?, lease_until = ?, attempts = ? WHERE seq = ?",
    leaseId,
    leaseExpiresAt,
    attempts,
    row.seq,
  );
  sql.exec(
    "INSERT INTO leases (lease_id, seq, expires_at, agent_id, incarnation) VALUES (?, ?, ?, ?, ?)",
    leaseId,
    row.seq,
    leaseExpiresAt,
    agent?.id ?? null,
    agent?.incarnation ?? null,
  );
  const record: LeasedRecord = {
    id: messageId(row.seq),
    leaseId,
    type: row.type,
    entityKey: row.entity_key,
    receivedAt: row.received_at,
    attempts,
    leaseExpiresAt,
  };
  if (row.type === "event") {
    if (row.event_key !== null) record.eventKey = row.event_key;
    if (row.delivery_id !== null) record.deliveryId = row.delivery_id;
    record.payload = readPayload(sql, row.seq, row.body_bytes);
  } else if (isResyncReason(row.resync_reason)) {
    record.reason = row.resync_reason;
  }
  return record;
}

function isResyncReason(value: string | null): value is ResyncReason {
  return value !== null && (ResyncReason.options as readonly string[]).includes(value);
}
