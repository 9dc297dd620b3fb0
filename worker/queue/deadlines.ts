import type { QueueContext } from "./queue-context";
import { nextSweepAt } from "./retention";

/**
 * A Durable Object has one alarm, so it is always set to the earliest of every deadline the queue has: a lease
 * running out, a delayed retry becoming visible, and the next retention sweep.
 * @returns epoch milliseconds, or null when nothing is due ever
 */
export function nextDeadline(ctx: QueueContext): number | null {
  const { sql, now } = ctx;
  const leaseEnd = sql
    .exec<{ at: number | null }>("SELECT MIN(lease_until) AS at FROM messages WHERE state = 'leased'")
    .one().at;
  const nextVisible = sql
    .exec<{ at: number | null }>(
      "SELECT MIN(visible_at) AS at FROM messages WHERE state = 'ready' AND visible_at > ?",
      now,
    )
    .one().at;
  const candidates = [leaseEnd, nextVisible, nextSweepAt(ctx)].filter((at) => at !== null);
  return candidates.length === 0 ? null : Math.min(...candidates);
}
