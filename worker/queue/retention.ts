import { dropMessages } from "./payloads";
import type { QueueContext } from "./queue-context";
import { ensureResyncPending } from "./resync";
import { bumpStats } from "./stats-row";

/** How long an ended lease is remembered, so that a repeated or late ack gets a precise answer. */
export const LEASE_MEMORY_MS = 24 * 60 * 60 * 1000;
/** Rows are deleted in batches of this size, to keep each statement and each alarm short. */
const SWEEP_BATCH = 500;

/**
 * Deletes what has outlived the retention period: waiting events and dead letters (both undelivered: each drop
 * is counted and a `resync` is queued to heal the gap), delivery ids (dedupe memory) and ended leases.
 * Messages in flight are left to their lease; the pending `resync` is never dropped.
 * @returns how many undelivered messages were dropped
 */
export function sweepRetention(ctx: QueueContext): number {
  const { sql, now } = ctx;
  const cutoff = now - ctx.settings.retentionMs;
  return ctx.storage.transactionSync(() => {
    let dropped = 0;
    // Waiting events in arrival order: received_at never decreases along seq, so the scan stops at the first
    // young one instead of reading the whole backlog.
    for (;;) {
      const batch = sql
        .exec<{ seq: number; received_at: number }>(
          "SELECT seq, received_at FROM messages WHERE state = 'ready' AND type = 'event' ORDER BY seq LIMIT ?",
          SWEEP_BATCH,
        )
        .toArray();
      const old = batch.filter((row) => row.received_at <= cutoff).map((row) => row.seq);
      dropMessages(sql, old);
      dropped += old.length;
      if (old.length < SWEEP_BATCH) break;
    }
    const deadLetters = sql
      .exec<{ seq: number }>("SELECT seq FROM messages WHERE state = 'dead' AND dead_at <= ?", cutoff)
      .toArray()
      .map((row) => row.seq);
    dropMessages(sql, deadLetters);
    dropped += deadLetters.length;
    if (dropped > 0) {
      bumpStats(sql, { dropped });
      ensureResyncPending(ctx, "gap");
    }
    sql.exec("DELETE FROM deliveries WHERE received_at <= ?", cutoff);
    sql.exec("DELETE FROM leases WHERE ended_at IS NOT NULL AND ended_at <= ?", now - LEASE_MEMORY_MS);
    return dropped;
  });
}

/**
 * The next time the sweep has something to do, rounded up to a ten-minute slot so that a steady stream of
 * webhooks does not turn into one alarm per message.
 * @returns epoch milliseconds, or null when nothing is stored that retention could remove
 */
export function nextSweepAt(ctx: QueueContext): number | null {
  const { sql, settings } = ctx;
  const oldest = [
    firstNumber(
      sql,
      "SELECT received_at AS at FROM messages WHERE state = 'ready' AND type = 'event' ORDER BY seq LIMIT 1",
    ),
    firstNumber(sql, "SELECT MIN(dead_at) AS at FROM messages WHERE state = 'dead'"),
    firstNumber(sql, "SELECT MIN(received_at) AS at FROM deliveries"),
  ].filter((at) => at !== null);
  const leaseEnd = firstNumber(sql, "SELECT MIN(ended_at) AS at FROM leases WHERE ended_at IS NOT NULL");
  const due = [
    ...oldest.map((at) => at + settings.retentionMs),
    ...(leaseEnd === null ? [] : [leaseEnd + LEASE_MEMORY_MS]),
  ];
  if (due.length === 0) return null;
  const slot = 10 * 60 * 1000;
  return Math.ceil((Math.min(...due) + 1) / slot) * slot;
}

function firstNumber(sql: SqlStorage, query: string): number | null {
  const row = sql.exec<{ at: number | null }>(query).toArray()[0];
  return row?.at ?? null;
}
