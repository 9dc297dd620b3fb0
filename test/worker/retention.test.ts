import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { lease, stats } from "./support/agent";
import { deliver, queueStub, tenantEnv, uniqueTenant } from "./support/edge";
import { pullRequestEvent } from "./support/payloads";

const DAY_MS = 24 * 60 * 60 * 1000;

async function sql<T extends Record<string, SqlStorageValue>>(
  tenant: string,
  query: string,
  ...bindings: SqlStorageValue[]
) {
  return runInDurableObject(queueStub(tenant), (_instance, state) =>
    state.storage.sql.exec<T>(query, ...bindings).toArray(),
  );
}

async function withEvents(count: number) {
  const tenant = uniqueTenant();
  const bindings = tenantEnv(tenant);
  for (let id = 1; id <= count; id++) {
    expect(
      (await deliver(bindings, tenant, { eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", id) })).status,
    ).toBe(202);
  }
  return { tenant, bindings };
}

describe("retention", () => {
  it("drops undelivered messages past the retention period, counts them, and queues one resync", async () => {
    const { tenant, bindings } = await withEvents(3);
    // The two oldest were received 15 days ago (RETENTION_DAYS defaults to 14).
    await sql(
      tenant,
      "UPDATE messages SET received_at = received_at - ? WHERE seq IN (SELECT seq FROM messages ORDER BY seq LIMIT 2)",
      15 * DAY_MS,
    );

    await runDurableObjectAlarm(queueStub(tenant));
    const after = await stats(bindings, tenant);
    const leased = await lease(bindings, tenant, { max: 10 });

    expect(after).toMatchObject({ backlog: 2, resyncPending: true, counters: { dropped: 2, received: 3 } });
    expect(leased.messages.map((m) => [m.type, m.entityKey, m.reason])).toEqual([
      ["event", "pull-request:PRO3/repostiroy-3/3", undefined],
      ["resync", "resync", "gap"],
    ]);
    expect(await sql(tenant, "SELECT COUNT(*) AS n FROM payload_chunks")).toEqual([{ n: 1 }]);
  });

  it("drops old dead letters and forgets old delivery ids, still with a single resync", async () => {
    const { tenant, bindings } = await withEvents(2);
    const leased = await lease(bindings, tenant);
    await runInDurableObject(queueStub(tenant), (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE messages SET state = 'dead', dead_at = ?, last_error = 'x', lease_id = NULL",
        Date.now() - 15 * DAY_MS,
      );
      state.storage.sql.exec("UPDATE deliveries SET received_at = ?", Date.now() - 15 * DAY_MS);
    });
    expect(leased.messages).toHaveLength(2);

    await runDurableObjectAlarm(queueStub(tenant));

    expect(await stats(bindings, tenant)).toMatchObject({
      deadLetters: 0,
      backlog: 1,
      resyncPending: true,
      counters: { dropped: 2 },
    });
    expect(await sql(tenant, "SELECT COUNT(*) AS n FROM deliveries")).toEqual([{ n: 0 }]);
  });

  it("keeps answering 2xx at the backlog cap, dropping the oldest, and heals with one resync", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    // Fill the queue to the default cap of 100,000 waiting events in one statement.
    await runInDurableObject(queueStub(tenant), (_instance, state) => {
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO messages (type, event_key, delivery_id, entity_key, received_at, state, visible_at, body_bytes)
         SELECT 'event', 'pr:opened', 'filler-' || i, 'pull-request:F/f/' || i, ?, 'ready', ?, 0 FROM n`,
        Date.now() - 1_000,
        Date.now() - 1_000,
      );
    });
    const oldest = await sql<{ seq: number }>(tenant, "SELECT seq FROM messages ORDER BY seq LIMIT 2");

    const first = await deliver(bindings, tenant, { eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", 1) });
    const second = await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 2),
    });
    const after = await stats(bindings, tenant);
    const remaining = await sql<{ seq: number }>(
      tenant,
      "SELECT seq FROM messages WHERE seq IN (?, ?)",
      oldest[0]?.seq ?? 0,
      oldest[1]?.seq ?? 0,
    );
    const resyncs = await sql<{ n: number }>(tenant, "SELECT COUNT(*) AS n FROM messages WHERE type = 'resync'");

    expect([first.status, second.status]).toEqual([202, 202]);
    expect(after).toMatchObject({ backlog: 100_001, resyncPending: true, counters: { dropped: 2, received: 2 } });
    expect(remaining).toEqual([]);
    expect(resyncs).toEqual([{ n: 1 }]);
  });
});
