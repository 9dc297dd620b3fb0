import type { QueueCounters } from "../../shared/protocol/schema";

/** The single row of counters, last-seen times and message counts (see migrations.ts). */
export type StatsRow = {
  received: number;
  duplicates: number;
  ignored: number;
  bad_signatures: number;
  dropped: number;
  acked: number;
  retried: number;
  expired: number;
  dead: number;
  last_webhook_at: number | null;
  last_ping_at: number | null;
  last_agent_contact_at: number | null;
  ready_count: number;
  leased_count: number;
  dead_count: number;
};

export type Counter = Exclude<keyof StatsRow, `last_${string}` | `${string}_count`>;
export type LastSeen = Extract<keyof StatsRow, `last_${string}`>;

const COUNTERS: readonly Counter[] = [
  "received",
  "duplicates",
  "ignored",
  "bad_signatures",
  "dropped",
  "acked",
  "retried",
  "expired",
  "dead",
];
const LAST_SEEN: readonly LastSeen[] = ["last_webhook_at", "last_ping_at", "last_agent_contact_at"];

/**
 * Adds to counters and sets last-seen times in one statement. Column names come only from the fixed lists
 * above, never from input.
 */
export function bumpStats(
  sql: SqlStorage,
  counters: Partial<Record<Counter, number>>,
  seen: Partial<Record<LastSeen, number>> = {},
): void {
  const sets: string[] = [];
  const values: number[] = [];
  for (const name of COUNTERS) {
    const by = counters[name];
    if (by === undefined || by === 0) continue;
    sets.push(`${name} = ${name} + ?`);
    values.push(by);
  }
  for (const name of LAST_SEEN) {
    const at = seen[name];
    if (at === undefined) continue;
    sets.push(`${name} = ?`);
    values.push(at);
  }
  if (sets.length === 0) return;
  sql.exec(`UPDATE stats SET ${sets.join(", ")} WHERE id = 1`, ...values);
}

export function readStatsRow(sql: SqlStorage): StatsRow {
  return sql.exec<StatsRow>("SELECT * FROM stats WHERE id = 1").one();
}

export function countersOf(row: StatsRow): QueueCounters {
  return {
    received: row.received,
    duplicates: row.duplicates,
    ignored: row.ignored,
    badSignatures: row.bad_signatures,
    dropped: row.dropped,
    acked: row.acked,
    retried: row.retried,
    expired: row.expired,
    dead: row.dead,
  };
}
