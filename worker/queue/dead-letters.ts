import type {
  DeadLetter,
  DeadLetterList,
  DropRequest,
  DropResponse,
  RedriveRequest,
  RedriveResponse,
} from "../../shared/protocol/schema";
import { dropMessages } from "./payloads";
import { type MessageRow, messageId, parseMessageId, type QueueContext } from "./queue-context";
import { coalescedIntoPendingResync } from "./resync";

export const DEAD_LETTER_PAGE_DEFAULT = 100;
export const DEAD_LETTER_PAGE_MAX = 1_000;

/** Lists dead letters in arrival order, a page at a time (`after` is the last id of the previous page). */
export function listDeadLetters(ctx: QueueContext, limit: number, after: string | undefined): DeadLetterList {
  const afterSeq = after === undefined ? 0 : (parseMessageId(after) ?? 0);
  const rows = ctx.sql
    .exec<MessageRow>(
      "SELECT * FROM messages WHERE state = 'dead' AND seq > ? ORDER BY seq LIMIT ?",
      afterSeq,
      limit + 1,
    )
    .toArray();
  const page = rows.slice(0, limit);
  const list: DeadLetterList = { deadLetters: page.map(toDeadLetter) };
  const last = page.at(-1);
  if (rows.length > limit && last !== undefined) list.nextAfter = messageId(last.seq);
  return list;
}

/**
 * Puts dead letters back in the queue, visible now and with their attempts reset. A dead `resync` coalesces into
 * one that is already waiting.
 */
export function redrive(ctx: QueueContext, request: RedriveRequest): RedriveResponse {
  const { sql } = ctx;
  return ctx.storage.transactionSync(() => {
    const seqs =
      "all" in request
        ? sql
            .exec<{ seq: number }>("SELECT seq FROM messages WHERE state = 'dead' ORDER BY seq")
            .toArray()
            .map((r) => r.seq)
        : request.ids.map(parseMessageId).filter((seq) => seq !== null);
    let redriven = 0;
    for (const seq of seqs) {
      const row = sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ? AND state = 'dead'", seq).toArray()[0];
      if (row === undefined) continue;
      redriven++;
      if (coalescedIntoPendingResync(sql, row)) continue;
      sql.exec(
        "UPDATE messages SET state = 'ready', visible_at = ?, attempts = 0, dead_at = NULL WHERE seq = ?",
        ctx.now,
        seq,
      );
    }
    return { redriven };
  });
}

/** Deletes dead letters and their payloads; an id that is not (or no longer) a dead letter is skipped. */
export function dropDeadLetters(ctx: QueueContext, request: DropRequest): DropResponse {
  const { sql } = ctx;
  return ctx.storage.transactionSync(() => {
    const seqs = request.ids
      .map(parseMessageId)
      .filter((seq) => seq !== null)
      .filter((seq) => sql.exec("SELECT 1 FROM messages WHERE seq = ? AND state = 'dead'", seq).toArray().length > 0);
    dropMessages(sql, seqs);
    return { dropped: seqs.length };
  });
}

function toDeadLetter(row: MessageRow): DeadLetter {
  const letter: DeadLetter = {
    id: messageId(row.seq),
    type: row.type,
    entityKey: row.entity_key,
    receivedAt: row.received_at,
    attempts: row.attempts,
    reason: row.last_error ?? "unknown",
    deadAt: row.dead_at ?? row.received_at,
  };
  if (row.event_key !== null) letter.eventKey = row.event_key;
  if (row.delivery_id !== null) letter.deliveryId = row.delivery_id;
  return letter;
}
