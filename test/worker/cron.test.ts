import { createScheduledController, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ResyncRequestResponse } from "../../shared/protocol/schema";
import worker from "../../worker/index";
import { ack, lease, requestResync, stats } from "./support/agent";
import { AGENT_TOKEN, agentCall, edgeEnv, queueStub, SECRET, uniqueTenant } from "./support/edge";
import { logLines } from "./support/log-lines";

function twoTenants() {
  const a = uniqueTenant("a");
  const b = uniqueTenant("b");
  const entry = { webhookSecrets: [SECRET], agentTokens: [AGENT_TOKEN] };
  return { a, b, bindings: edgeEnv({ RELAY_TENANTS: JSON.stringify({ tenants: { [a]: entry, [b]: entry } }) }) };
}

async function tick(bindings: Env) {
  await worker.scheduled(createScheduledController({ cron: "0 */6 * * *", scheduledTime: Date.now() }), bindings);
}

async function resyncRows(tenant: string) {
  return runInDurableObject(queueStub(tenant), (_instance, state) =>
    state.storage.sql
      .exec<{ state: string; reason: string }>(
        "SELECT state, resync_reason AS reason FROM messages WHERE type = 'resync' ORDER BY seq",
      )
      .toArray(),
  );
}

describe("cron trigger", () => {
  it("puts one resync in every tenant's queue, and a second tick adds none while it waits", async () => {
    const { a, b, bindings } = twoTenants();

    await tick(bindings);
    await tick(bindings);

    expect(await resyncRows(a)).toEqual([{ state: "ready", reason: "cron" }]);
    expect(await resyncRows(b)).toEqual([{ state: "ready", reason: "cron" }]);
    expect(await stats(bindings, a)).toMatchObject({ backlog: 1, resyncPending: true });
    // One line per tenant and tick, saying whether the request joined one already waiting.
    expect(logLines.filter((line) => line.tenant === a)).toEqual([
      { level: "info", message: "cron resync requested", tenant: a, coalesced: false },
      { level: "info", message: "cron resync requested", tenant: a, coalesced: true },
    ]);
  });

  it("queues a new one while a resync is in flight, but never leases two at once", async () => {
    const { a, bindings } = twoTenants();
    await tick(bindings);
    const [running] = (await lease(bindings, a)).messages;

    await tick(bindings);
    const whileRunning = await lease(bindings, a);
    await ack(bindings, a, { acks: [running?.leaseId] });
    const next = await lease(bindings, a);

    expect(running).toMatchObject({ type: "resync", entityKey: "resync", reason: "cron" });
    expect(running?.payload).toBeUndefined();
    expect(whileRunning.messages).toEqual([]);
    expect(whileRunning.backlog).toBe(1);
    expect(next.messages.map((m) => m.type)).toEqual(["resync"]);
  });

  it("coalesces a retried resync into the one already waiting", async () => {
    const { a, bindings } = twoTenants();
    await tick(bindings);
    const [running] = (await lease(bindings, a)).messages;
    await tick(bindings);

    await ack(bindings, a, { retries: [{ leaseId: running?.leaseId, delayMs: 0 }] });

    expect(await resyncRows(a)).toEqual([{ state: "ready", reason: "cron" }]);
  });

  it("lets an operator ask for one, coalesced with the cron's", async () => {
    const { a, bindings } = twoTenants();

    const asked = await agentCall(bindings, a, "/resync", {});
    await tick(bindings);
    const askedAgain = await requestResync(bindings, a);

    expect(asked.status).toBe(202);
    const first = ResyncRequestResponse.parse(await asked.json());
    expect(first.coalesced).toBe(false);
    expect(askedAgain).toEqual({ id: first.id, coalesced: true });
    expect(await resyncRows(a)).toEqual([{ state: "ready", reason: "operator" }]);
  });
});
