import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ack, deadLetters, lease, stats } from "./support/agent";
import { deliver, queueStub, tenantEnv, uniqueTenant } from "./support/edge";
import { pullRequestEvent } from "./support/payloads";

describe("durability", () => {
  it("keeps messages, leases, dead letters and counters when the object restarts", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    for (let id = 1; id <= 3; id++) {
      await deliver(bindings, tenant, {
        eventKey: "pr:opened",
        payload: pullRequestEvent("pr:opened", id),
        requestId: `req-${id}`,
      });
    }
    const [first, second] = (await lease(bindings, tenant, { max: 2 })).messages;
    await ack(bindings, tenant, { dead: [{ leaseId: second?.leaseId, reason: "bad mapping" }] });
    const before = await stats(bindings, tenant);
    const oldInstance = await runInDurableObject(queueStub(tenant), (instance) => instance);

    await abortAllDurableObjects();
    const newInstance = await runInDurableObject(queueStub(tenant), (instance) => instance);
    const after = await stats(bindings, tenant);
    const acked = await ack(bindings, tenant, { acks: [first?.leaseId] });
    const duplicate = await (
      await deliver(bindings, tenant, {
        eventKey: "pr:opened",
        payload: pullRequestEvent("pr:opened", 1),
        requestId: "req-1",
      })
    ).json();
    const third = await lease(bindings, tenant);

    expect(newInstance).not.toBe(oldInstance);
    expect(after).toEqual({
      ...before,
      lastAgentContactAt: after.lastAgentContactAt,
      oldestMessageAgeMs: after.oldestMessageAgeMs,
    });
    expect(acked.results[0]?.outcome).toBe("ok");
    expect(duplicate).toMatchObject({ duplicate: true });
    expect(third.messages.map((m) => m.payload)).toEqual([pullRequestEvent("pr:opened", 3)]);
    expect((await deadLetters(bindings, tenant)).deadLetters.map((d) => d.reason)).toEqual(["bad mapping"]);
  });

  it("runs its schema migration once and records the version", async () => {
    const tenant = uniqueTenant();
    await deliver(tenantEnv(tenant), tenant, { eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", 1) });

    await abortAllDurableObjects();
    const version = await runInDurableObject(queueStub(tenant), (_instance, state) =>
      state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray(),
    );

    expect(version).toEqual([{ version: 2 }]);
  });
});
