import type { QueueStats } from "../../shared/protocol/schema";
import type { QueueContext } from "./queue-context";
import { pendingResyncSeq } from "./resync";
import { countersOf, readStatsRow } from "./stats-row";

/** The queue's figures; the edge adds the tenant's name. */
export type QueueFigures = Omit<QueueStats, "tenant">;

export function queueFigures(ctx: QueueContext): QueueFigures {
  const { sql, now } = ctx;
  const row = readStatsRow(sql);
  const delayed = sql
    .exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages WHERE state = 'ready' AND visible_at > ?", now)
    .one().n;
  // Arrival order is age order: the oldest waiting message is the first by seq (an index probe, not a scan).
  const oldestWaiting = sql
    .exec<{ at: number }>("SELECT received_at AS at FROM messages WHERE state = 'ready' ORDER BY seq LIMIT 1")
    .toArray()[0]?.at;
  const oldestInFlight = sql
    .exec<{ at: number | null }>("SELECT MIN(received_at) AS at FROM messages WHERE state = 'leased'")
    .one().at;
  const oldestAt = [oldestWaiting ?? null, oldestInFlight].filter((at) => at !== null);
  return {
    backlog: row.ready_count,
    delayed,
    inFlight: row.leased_count,
    deadLetters: row.dead_count,
    oldestMessageAgeMs: oldestAt.length === 0 ? null : Math.max(0, now - Math.min(...oldestAt)),
    resyncPending: pendingResyncSeq(sql) !== null,
    lastWebhookAt: row.last_webhook_at,
    lastPingAt: row.last_ping_at,
    lastAgentContactAt: row.last_agent_contact_at,
    counters: countersOf(row),
  };
}
