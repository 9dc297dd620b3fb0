import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LeaseResponse } from "../../shared/protocol/schema";
import { accepted, ack, deadLetters, extend, lease, stats } from "./support/agent";
import { agentCall, deliver, queueStub, tenantEnv, uniqueTenant } from "./support/edge";
import { pullRequestEvent, refsChangedEvent } from "./support/payloads";

async function setup(...prIds: number[]) {
  const tenant = uniqueTenant();
  const bindings = tenantEnv(tenant);
  const ids: string[] = [];
  for (const id of prIds) {
    const response = await deliver(bindings, tenant, {
      eventKey: "pr:modified",
      payload: pullRequestEvent("pr:modified", id),
    });
    ids.push((await accepted(response)).id);
  }
  return { tenant, bindings, ids };
}

/** Moves every lease's deadline into the past, as if its visibility timeout had run out. */
async function expireLeasesNow(tenant: string) {
  await runInDurableObject(queueStub(tenant), (_instance, state) => {
    state.storage.sql.exec("UPDATE messages SET lease_until = ? WHERE state = 'leased'", Date.now() - 1);
  });
}

describe("lease", () => {
  it("hands out visible messages oldest first, up to max, in the protocol's shape", async () => {
    const { tenant, bindings, ids } = await setup(1, 2, 3);

    const response = await agentCall(bindings, tenant, "/lease", { max: 2, visibilityMs: 30_000 });
    const body = LeaseResponse.parse(await response.json());

    expect(body.messages.map((m) => m.id)).toEqual(ids.slice(0, 2));
    expect(body.backlog).toBe(1);
    expect(body.messages[0]).toMatchObject({
      type: "event",
      eventKey: "pr:modified",
      entityKey: "pull-request:PRO3/repostiroy-3/1",
      attempts: 1,
      leaseId: expect.any(String),
    });
    const first = body.messages[0];
    expect(first && first.leaseExpiresAt - Date.now()).toBeGreaterThan(25_000);
  });

  it("gives a restarted agent its earlier run's leases back at once, attempts counted, and no one else's", async () => {
    const { tenant, bindings, ids } = await setup(1, 2, 3);
    const first = { id: "agent-a", incarnation: "run-1" };

    const crashed = await lease(bindings, tenant, { max: 2, visibilityMs: 600_000, agent: first });
    const other = await lease(bindings, tenant, {
      max: 5,
      visibilityMs: 600_000,
      agent: { id: "agent-b", incarnation: "run-1" },
    });
    // The same run leasing again takes nothing back from itself.
    const sameRun = await lease(bindings, tenant, { max: 5, visibilityMs: 600_000, agent: first });
    const restarted = await lease(bindings, tenant, {
      max: 5,
      visibilityMs: 600_000,
      agent: { id: "agent-a", incarnation: "run-2" },
    });

    expect(crashed.messages.map((m) => m.id)).toEqual(ids.slice(0, 2));
    expect(other.messages.map((m) => m.id)).toEqual([ids[2]]);
    expect(sameRun.messages).toEqual([]);
    // Long before the 10-minute visibility timeout: agent-a's two, not agent-b's one.
    expect(restarted.messages.map((m) => [m.id, m.attempts])).toEqual([
      [ids[0], 2],
      [ids[1], 2],
    ]);
    // The earlier run's leases are over: an ack through one changes nothing (the message stays with the new run).
    const late = await ack(bindings, tenant, { acks: crashed.messages.map((m) => m.leaseId) });
    expect(late.results.map((r) => r.outcome)).toEqual(["ok", "ok"]);
    expect(await stats(bindings, tenant)).toMatchObject({ inFlight: 3, backlog: 0 });
  });

  it("applies the default max of 10 and refuses out-of-bounds requests", async () => {
    const { tenant, bindings } = await setup(...Array.from({ length: 12 }, (_, i) => i + 1));

    const leased = await lease(bindings, tenant);
    const tooMany = await agentCall(bindings, tenant, "/lease", { max: 101 });
    const tooLong = await agentCall(bindings, tenant, "/lease", { waitMs: 30_000 });
    const unknownField = await agentCall(bindings, tenant, "/lease", { maxMessages: 5 });

    expect(leased.messages).toHaveLength(10);
    for (const response of [tooMany, tooLong, unknownField]) {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
  });

  it("never has two messages of one entity in flight, and keeps their order", async () => {
    const { tenant, bindings, ids } = await setup(1, 1, 2, 1);

    const firstBatch = await lease(bindings, tenant);
    const whileBusy = await lease(bindings, tenant);
    await ack(bindings, tenant, { acks: firstBatch.messages.map((m) => m.leaseId) });
    const secondBatch = await lease(bindings, tenant);
    await ack(bindings, tenant, { acks: secondBatch.messages.map((m) => m.leaseId) });
    const thirdBatch = await lease(bindings, tenant);

    expect(firstBatch.messages.map((m) => m.id)).toEqual([ids[0], ids[2]]);
    expect(whileBusy.messages).toEqual([]);
    expect(secondBatch.messages.map((m) => m.id)).toEqual([ids[1]]);
    expect(thirdBatch.messages.map((m) => m.id)).toEqual([ids[3]]);
  });

  it("long-polls when empty and returns as soon as a webhook arrives", async () => {
    const { tenant, bindings } = await setup();
    const started = Date.now();

    const polling = lease(bindings, tenant, { waitMs: 20_000 });
    await deliver(bindings, tenant, { eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", 5) });
    const result = await polling;

    expect(result.messages.map((m) => m.entityKey)).toEqual(["pull-request:PRO3/repostiroy-3/5"]);
    // Woken by the ingest, not by its 20 s deadline.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("returns empty after waitMs when nothing arrives", async () => {
    const { tenant, bindings } = await setup();

    const result = await lease(bindings, tenant, { waitMs: 200 });

    expect(result).toEqual({ messages: [], backlog: 0 });
  });
});

describe("ack", () => {
  it("acks, retries with a delay and dead-letters in one call, idempotently", async () => {
    const { tenant, bindings, ids } = await setup(1, 2, 3);
    const leased = (await lease(bindings, tenant)).messages;
    const [a, b, c] = leased.map((m) => m.leaseId);
    const body = {
      acks: [a],
      retries: [{ leaseId: b, delayMs: 60_000, reason: "Bitbucket answered 503" }],
      dead: [{ leaseId: c, reason: "mapping failed" }],
    };

    const first = await ack(bindings, tenant, body);
    const repeated = await ack(bindings, tenant, body);
    const after = await stats(bindings, tenant);

    expect(first.results).toEqual([
      { leaseId: a, action: "ack", outcome: "ok" },
      { leaseId: b, action: "retry", outcome: "ok" },
      { leaseId: c, action: "dead", outcome: "ok" },
    ]);
    expect(repeated.results.map((r) => r.outcome)).toEqual(["ok", "ok", "ok"]);
    expect(after).toMatchObject({ backlog: 1, delayed: 1, inFlight: 0, deadLetters: 1 });
    expect(after.counters).toMatchObject({ acked: 1, retried: 1, dead: 1 });
    expect(ids).toHaveLength(3);
  });

  it("reports unknown and expired leases per item, without failing the call", async () => {
    const { tenant, bindings } = await setup(1, 2);
    const [stale, fresh] = (await lease(bindings, tenant)).messages;
    await expireLeasesNow(tenant);
    const again = (await lease(bindings, tenant)).messages;

    const result = await ack(bindings, tenant, {
      acks: ["no-such-lease", stale?.leaseId, fresh?.leaseId, ...again.map((m) => m.leaseId)],
    });

    expect(result.results.map((r) => r.outcome)).toEqual(["unknown", "expired", "expired", "ok", "ok"]);
    expect(again.map((m) => m.attempts)).toEqual([2, 2]);
    expect(await stats(bindings, tenant)).toMatchObject({
      backlog: 0,
      inFlight: 0,
      counters: { acked: 2, expired: 2 },
    });
  });

  it("keeps a retried message invisible for its delay, then makes it visible through the alarm", async () => {
    const { tenant, bindings, ids } = await setup(1);
    const [message] = (await lease(bindings, tenant)).messages;
    await ack(bindings, tenant, { retries: [{ leaseId: message?.leaseId, delayMs: 3_600_000 }] });

    const duringDelay = await lease(bindings, tenant);
    await runInDurableObject(queueStub(tenant), (_instance, state) => {
      state.storage.sql.exec("UPDATE messages SET visible_at = ? WHERE state = 'ready'", Date.now() - 1);
    });
    const ran = await runDurableObjectAlarm(queueStub(tenant));
    const afterDelay = await lease(bindings, tenant);

    expect(duringDelay.messages).toEqual([]);
    expect(duringDelay.backlog).toBe(1);
    expect(ran).toBe(true);
    expect(afterDelay.messages.map((m) => [m.id, m.attempts])).toEqual([[ids[0], 2]]);
  });

  it("wakes a long-poll when a retry with no delay puts a message back", async () => {
    const { tenant, bindings } = await setup(1);
    const [message] = (await lease(bindings, tenant)).messages;

    const polling = lease(bindings, tenant, { waitMs: 20_000 });
    await ack(bindings, tenant, { retries: [{ leaseId: message?.leaseId, delayMs: 0 }] });
    const result = await polling;

    expect(result.messages.map((m) => m.attempts)).toEqual([2]);
  });

  it("wakes a long-poll when an ack frees an entity whose next message waited behind it", async () => {
    const { tenant, bindings, ids } = await setup(1, 1);
    const [first] = (await lease(bindings, tenant)).messages;
    const started = Date.now();

    const polling = lease(bindings, tenant, { waitMs: 20_000 });
    await ack(bindings, tenant, { acks: [first?.leaseId] });
    const result = await polling;

    expect(result.messages.map((m) => m.id)).toEqual([ids[1]]);
    // Woken by the ack, not by the long-poll's 20 s deadline.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("a long-poll whose caller went away", () => {
  it("leases nothing once abandoned, so the next caller gets the message with its attempt uncounted", async () => {
    const { tenant, bindings } = await setup();
    const queue = queueStub(tenant);
    const started = Date.now();

    const departed = queue.lease({ waitMs: 20_000 }, "wait-1");
    await queue.abandonLease("wait-1");
    const abandoned = await departed;
    const arrived = await accepted(
      await deliver(bindings, tenant, { eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", 8) }),
    );
    const next = await lease(bindings, tenant);

    expect(abandoned.messages).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(next.messages.map((m) => [m.id, m.attempts])).toEqual([[arrived.id, 1]]);
  });

  it("leases nothing when the abandon reaches the queue before the lease call it ends", async () => {
    const { tenant, bindings, ids } = await setup(1);
    const queue = queueStub(tenant);

    // The route sends the abandon as soon as its request aborts; it may overtake the lease call on the way.
    await queue.abandonLease("wait-early");
    const departed = await queue.lease({ waitMs: 20_000 }, "wait-early");
    const next = await lease(bindings, tenant);

    expect(departed.messages).toEqual([]);
    expect(next.messages.map((m) => [m.id, m.attempts])).toEqual([[ids[0], 1]]);
  });

  it("gives back what was leased to a departed caller at once, without counting the attempt", async () => {
    const { tenant, bindings, ids } = await setup(1);
    const [taken] = (await lease(bindings, tenant)).messages;

    const released = await queueStub(tenant).releaseLeases([taken?.leaseId ?? "", "not-a-lease"]);
    const again = await lease(bindings, tenant);

    expect(released).toBe(1);
    expect(again.messages.map((m) => [m.id, m.attempts])).toEqual([[ids[0], 1]]);
    expect(await stats(bindings, tenant)).toMatchObject({ counters: { retried: 0, expired: 0 } });
  });

  it("ignores an abandon for a call that is not waiting", async () => {
    const { tenant, bindings, ids } = await setup(1);

    await queueStub(tenant).abandonLease("no-such-wait");
    const result = await lease(bindings, tenant);

    expect(result.messages.map((m) => m.id)).toEqual([ids[0]]);
  });
});

describe("extend and expiry", () => {
  it("extends a lease so that it outlives its first deadline", async () => {
    const { tenant, bindings } = await setup(1);
    const [message] = (await lease(bindings, tenant, { visibilityMs: 1_000 })).messages;

    const extended = await extend(bindings, tenant, {
      leases: [
        { leaseId: message?.leaseId, visibilityMs: 600_000 },
        { leaseId: "nope", visibilityMs: 5_000 },
      ],
    });
    await runDurableObjectAlarm(queueStub(tenant));
    const whileExtended = await stats(bindings, tenant);

    expect(extended.results[0]).toMatchObject({ outcome: "ok", leaseExpiresAt: expect.any(Number) });
    expect(extended.results[0]?.leaseExpiresAt ?? 0).toBeGreaterThan(Date.now() + 500_000);
    expect(extended.results[1]).toEqual({ leaseId: "nope", outcome: "unknown" });
    expect(whileExtended).toMatchObject({ inFlight: 1, backlog: 0 });
  });

  it("returns an expired lease to the queue through the alarm, counting an attempt", async () => {
    const { tenant, bindings, ids } = await setup(1);
    await lease(bindings, tenant);
    await expireLeasesNow(tenant);

    const ran = await runDurableObjectAlarm(queueStub(tenant));
    const after = await stats(bindings, tenant);
    const again = await lease(bindings, tenant);

    expect(ran).toBe(true);
    expect(after).toMatchObject({ backlog: 1, inFlight: 0, counters: { expired: 1 } });
    expect(again.messages.map((m) => [m.id, m.attempts])).toEqual([[ids[0], 2]]);
  });

  it("fires the alarm on its own when a short lease runs out", async () => {
    const { tenant, bindings } = await setup(1);
    await lease(bindings, tenant, { visibilityMs: 1_000 });

    // Stats never expire leases themselves, so only the real alarm can move these figures.
    const deadline = Date.now() + 10_000;
    let after = await stats(bindings, tenant);
    while (after.counters.expired === 0 && Date.now() < deadline) {
      await scheduler.wait(100);
      after = await stats(bindings, tenant);
    }

    expect(after).toMatchObject({ backlog: 1, inFlight: 0, counters: { expired: 1 } });
  });

  it("dead-letters a message once its attempts are used up, with its last reason", async () => {
    const { tenant, bindings, ids } = await setup(1);
    // MAX_ATTEMPTS defaults to 10: nine failures with a reason, then a tenth lease that expires.
    for (let attempt = 1; attempt <= 9; attempt++) {
      const [message] = (await lease(bindings, tenant)).messages;
      expect(message?.attempts).toBe(attempt);
      await ack(bindings, tenant, {
        retries: [{ leaseId: message?.leaseId, delayMs: 0, reason: `HTTP 503 #${attempt}` }],
      });
    }
    const [last] = (await lease(bindings, tenant)).messages;
    await expireLeasesNow(tenant);
    await runDurableObjectAlarm(queueStub(tenant));

    const letters = await deadLetters(bindings, tenant);
    expect(last?.attempts).toBe(10);
    expect(letters.deadLetters).toEqual([
      expect.objectContaining({ id: ids[0], attempts: 10, reason: expect.stringContaining("HTTP 503 #9") }),
    ]);
    expect(letters.deadLetters[0]?.reason).toContain("expired");
    expect(await stats(bindings, tenant)).toMatchObject({
      backlog: 0,
      deadLetters: 1,
      counters: { dead: 1, retried: 9 },
    });
  });

  it("dead-letters on the last retry as well", async () => {
    const { tenant, bindings } = await setup(1);
    await runInDurableObject(queueStub(tenant), (_instance, state) => {
      state.storage.sql.exec("UPDATE messages SET attempts = 9");
    });
    const [message] = (await lease(bindings, tenant)).messages;

    await ack(bindings, tenant, { retries: [{ leaseId: message?.leaseId, delayMs: 0, reason: "still failing" }] });

    expect(await stats(bindings, tenant)).toMatchObject({ backlog: 0, deadLetters: 1 });
  });
});

describe("mixed entities", () => {
  it("leases a repository's event beside busy pull requests", async () => {
    const { tenant, bindings } = await setup(1, 1);
    await deliver(bindings, tenant, { eventKey: "repo:refs_changed", payload: refsChangedEvent("P", "r") });

    const batch = await lease(bindings, tenant);

    expect(batch.messages.map((m) => m.entityKey)).toEqual(["pull-request:PRO3/repostiroy-3/1", "repository:P/r"]);
  });
});
