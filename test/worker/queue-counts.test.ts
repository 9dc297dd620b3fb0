import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ack, lease, stats } from "./support/agent";
import { agentCall, deliver, queueStub, tenantEnv, uniqueTenant } from "./support/edge";
import { pullRequestEvent } from "./support/payloads";

async function exactCounts(tenant: string) {
  return runInDurableObject(queueStub(tenant), (_instance, state) => {
    const count = (where: string) =>
      state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM messages WHERE ${where}`).one().n;
    return {
      backlog: count("state = 'ready'"),
      inFlight: count("state = 'leased'"),
      deadLetters: count("state = 'dead'"),
    };
  });
}

describe("queue figures", () => {
  it("keep the backlog, in-flight and dead-letter counts exact through every kind of move", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    for (let id = 1; id <= 8; id++) {
      await deliver(bindings, tenant, { eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", id) });
    }
    await agentCall(bindings, tenant, "/resync", {});
    const leased = (await lease(bindings, tenant, { max: 7 })).messages;
    const [a, b, c, d, e] = leased.map((m) => m.leaseId);
    await ack(bindings, tenant, {
      acks: [a],
      retries: [
        { leaseId: b, delayMs: 0 },
        { leaseId: c, delayMs: 60_000 },
      ],
      dead: [
        { leaseId: d, reason: "x" },
        { leaseId: e, reason: "y" },
      ],
    });
    await agentCall(bindings, tenant, "/dead-letters/redrive", { ids: [leased[3]?.id] });
    await runInDurableObject(queueStub(tenant), (_instance, state) => {
      state.storage.sql.exec("UPDATE messages SET lease_until = ? WHERE state = 'leased'", Date.now() - 1);
    });
    await runDurableObjectAlarm(queueStub(tenant));

    const figures = await stats(bindings, tenant);
    const exact = await exactCounts(tenant);

    expect({ backlog: figures.backlog, inFlight: figures.inFlight, deadLetters: figures.deadLetters }).toEqual(exact);
    // 8 events + 1 resync, minus one acked and one still dead.
    expect(exact).toEqual({ backlog: 7, inFlight: 0, deadLetters: 1 });
    expect(figures).toMatchObject({ delayed: 1, resyncPending: true, oldestMessageAgeMs: expect.any(Number) });
  });
});
