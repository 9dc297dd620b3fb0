import { describe, expect, it } from "vitest";
import { ack, deadLetters, lease, stats } from "./support/agent";
import { agentCall, deliver, tenantEnv, uniqueTenant } from "./support/edge";
import { pullRequestEvent } from "./support/payloads";

async function deadLettered(count: number) {
  const tenant = uniqueTenant();
  const bindings = tenantEnv(tenant);
  for (let id = 1; id <= count; id++) {
    await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", id),
      requestId: `req-${id}`,
    });
  }
  const leased = (await lease(bindings, tenant, { max: 100 })).messages;
  await ack(bindings, tenant, {
    dead: leased.map((m) => ({ leaseId: m.leaseId, reason: `mapping failed for ${m.entityKey}` })),
  });
  return { tenant, bindings, ids: leased.map((m) => m.id) };
}

describe("dead letters", () => {
  it("lists dead letters with their reason, a page at a time", async () => {
    const { tenant, bindings, ids } = await deadLettered(3);

    const first = await deadLetters(bindings, tenant, "?limit=2");
    const second = await deadLetters(bindings, tenant, `?limit=2&after=${first.nextAfter ?? ""}`);

    expect(first.deadLetters.map((d) => d.id)).toEqual(ids.slice(0, 2));
    expect(first.nextAfter).toBe(ids[1]);
    expect(second.deadLetters.map((d) => d.id)).toEqual(ids.slice(2));
    expect(second.nextAfter).toBeUndefined();
    expect(first.deadLetters[0]).toEqual({
      id: ids[0],
      type: "event",
      eventKey: "pr:opened",
      deliveryId: "req-1",
      entityKey: "pull-request:PRO3/repostiroy-3/1",
      receivedAt: expect.any(Number),
      attempts: 1,
      reason: "mapping failed for pull-request:PRO3/repostiroy-3/1",
      deadAt: expect.any(Number),
    });
  });

  it("redrives chosen dead letters back to the queue with their attempts reset and their payload intact", async () => {
    const { tenant, bindings, ids } = await deadLettered(3);

    const response = await agentCall(bindings, tenant, "/dead-letters/redrive", { ids: [ids[1], "999999"] });
    const again = await lease(bindings, tenant);

    expect(await response.json()).toEqual({ redriven: 1 });
    expect(again.messages.map((m) => [m.id, m.attempts])).toEqual([[ids[1], 1]]);
    expect(again.messages[0]?.payload).toEqual(pullRequestEvent("pr:opened", 2));
    expect(await stats(bindings, tenant)).toMatchObject({ deadLetters: 2, inFlight: 1 });
  });

  it("redrives all dead letters", async () => {
    const { tenant, bindings } = await deadLettered(3);

    const response = await agentCall(bindings, tenant, "/dead-letters/redrive", { all: true });

    expect(await response.json()).toEqual({ redriven: 3 });
    expect(await stats(bindings, tenant)).toMatchObject({ deadLetters: 0, backlog: 3 });
    expect((await deadLetters(bindings, tenant)).deadLetters).toEqual([]);
  });

  it("drops chosen dead letters for good: listed no more, not redrivable, counted out of the stats", async () => {
    const { tenant, bindings, ids } = await deadLettered(3);

    const response = await agentCall(bindings, tenant, "/dead-letters/drop", { ids: [ids[0], ids[2], "999999"] });
    const redriven = await agentCall(bindings, tenant, "/dead-letters/redrive", { ids: [ids[0]] });

    expect(await response.json()).toEqual({ dropped: 2 });
    expect(await redriven.json()).toEqual({ redriven: 0 });
    expect((await deadLetters(bindings, tenant)).deadLetters.map((d) => d.id)).toEqual([ids[1]]);
    expect(await stats(bindings, tenant)).toMatchObject({ deadLetters: 1, backlog: 0, inFlight: 0 });
  });

  it("does not drop a message that is not a dead letter", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 1),
      requestId: "r1",
    });
    const [message] = (await lease(bindings, tenant)).messages;

    const response = await agentCall(bindings, tenant, "/dead-letters/drop", { ids: [message?.id ?? ""] });

    expect(await response.json()).toEqual({ dropped: 0 });
    expect(await stats(bindings, tenant)).toMatchObject({ inFlight: 1 });
  });

  it("refuses a malformed redrive or page request", async () => {
    const { tenant, bindings } = await deadLettered(1);

    const empty = await agentCall(bindings, tenant, "/dead-letters/redrive", { ids: [] });
    const both = await agentCall(bindings, tenant, "/dead-letters/redrive", { all: false });
    const badPage = await agentCall(bindings, tenant, "/dead-letters?after=abc");
    const noDrop = await agentCall(bindings, tenant, "/dead-letters/drop", { ids: [] });

    for (const response of [empty, both, badPage, noDrop]) expect(response.status).toBe(400);
  });
});
