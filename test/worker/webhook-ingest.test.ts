import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accepted, ack, lease, stats } from "./support/agent";
import { call, deliver, deliveryInit, edgeEnv, queueStub, tenantEnv, uniqueTenant } from "./support/edge";
import { projectModifiedEvent, pullRequestEvent, refsChangedEvent, repository } from "./support/payloads";

async function storedRows(tenant: string) {
  return runInDurableObject(queueStub(tenant), (_instance, state) => ({
    messages: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").one().n,
    chunks: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM payload_chunks").one().n,
    deliveries: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries").one().n,
  }));
}

describe("webhook ingest", () => {
  it("stores a signed delivery and answers 202 { id, duplicate: false }", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);

    const response = await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 7),
    });

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ id: expect.stringMatching(/^\d+$/), duplicate: false });
    expect(await storedRows(tenant)).toEqual({ messages: 1, chunks: 1, deliveries: 1 });
    expect((await stats(bindings, tenant)).lastWebhookAt).toEqual(expect.any(Number));
  });

  it("refuses a body over the cap by its Content-Length, before reading it, and stores nothing", async () => {
    const tenant = uniqueTenant();
    const bindings = edgeEnv({}, { ...tenantEnv(tenant), MAX_BODY_BYTES: "2048" });
    const init = await deliveryInit({ eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", 1) });
    // The declared length alone decides: the body sent is small, so only the header can have refused it.
    const headers = new Headers(init.headers);
    headers.set("content-length", "4096");

    const response = await call(bindings, `/webhooks/${tenant}`, { ...init, headers });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: { code: "payload_too_large", message: expect.stringContaining("MAX_BODY_BYTES") },
    });
    expect(await storedRows(tenant)).toEqual({ messages: 0, chunks: 0, deliveries: 0 });
  });

  it("refuses a body over the cap sent without Content-Length while reading it", async () => {
    const tenant = uniqueTenant();
    const bindings = edgeEnv({}, { ...tenantEnv(tenant), MAX_BODY_BYTES: "4096" });
    const init = await deliveryInit({ eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", 1) });
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 100) controller.close();
        else controller.enqueue(new Uint8Array(1024).fill(0x20));
      },
    });

    const response = await call(bindings, `/webhooks/${tenant}`, { ...init, body: stream });

    expect(new Headers(init.headers).has("content-length")).toBe(false);
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(100);
    expect(await storedRows(tenant)).toEqual({ messages: 0, chunks: 0, deliveries: 0 });
  });

  it("answers diagnostics:ping with 200, unsigned, records its time and queues nothing", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);

    const response = await deliver(bindings, tenant, {
      eventKey: "diagnostics:ping",
      rawBody: '{"test": true}',
      payload: null,
      secret: null,
    });
    const after = await stats(bindings, tenant);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ping: true });
    expect(after.lastPingAt).toEqual(expect.any(Number));
    expect(after.backlog).toBe(0);
    expect(await storedRows(tenant)).toMatchObject({ messages: 0 });
  });

  it.each([
    ["not JSON", "pr:opened", "{not json", "invalid_json"],
    ["a JSON array", "pr:opened", "[1,2]", "invalid_json"],
    ["no eventKey", "pr:opened", '{"pullRequest":{}}', "missing_event_key"],
    [
      "an X-Event-Key that disagrees with the body",
      "pr:merged",
      JSON.stringify(pullRequestEvent("pr:opened", 1)),
      "event_key_mismatch",
    ],
    [
      "a handled key whose payload lacks its entity",
      "pr:opened",
      '{"eventKey":"pr:opened","pullRequest":{"id":1}}',
      "invalid_payload",
    ],
  ])("refuses %s with 400 and stores nothing", async (_what, headerKey, rawBody, code) => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);

    const response = await deliver(bindings, tenant, { eventKey: headerKey, rawBody, payload: null });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code } });
    expect(await storedRows(tenant)).toMatchObject({ messages: 0 });
  });

  it("answers 202 { ignored } for event keys it does not handle, counts them and queues nothing", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    const payload = { eventKey: "repo:comment:added", repository: repository("P", "r"), comment: { id: 1 } };

    const response = await deliver(bindings, tenant, { eventKey: "repo:comment:added", payload });

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ ignored: true, eventKey: "repo:comment:added" });
    expect(await stats(bindings, tenant)).toMatchObject({ backlog: 0, counters: { ignored: 1, received: 0 } });
  });

  it("answers names Object.prototype holds (constructor, __proto__, toString) as ignored, like PR:OPENED", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    const keys = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "PR:OPENED"];

    for (const eventKey of keys) {
      // A pull-request payload, so that a key wrongly taken as routed would find its entity and be stored.
      const response = await deliver(bindings, tenant, { eventKey, payload: pullRequestEvent(eventKey, 3) });

      expect({ eventKey, status: response.status, body: await response.json() }).toEqual({
        eventKey,
        status: 202,
        body: { ignored: true, eventKey },
      });
    }
    expect(await stats(bindings, tenant)).toMatchObject({
      backlog: 0,
      counters: { ignored: keys.length, received: 0 },
    });
    expect(await storedRows(tenant)).toMatchObject({ messages: 0 });
  });

  it("answers 404 for an unknown tenant", async () => {
    const bindings = tenantEnv(uniqueTenant());

    const response = await deliver(bindings, "nobody", {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 1),
    });

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "unknown_tenant" } });
  });

  it("deduplicates on X-Request-Id and, without one, on the body's SHA-256", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    const payload = pullRequestEvent("pr:opened", 1);

    const first = await accepted(
      await deliver(bindings, tenant, { eventKey: "pr:opened", payload, requestId: "req-1" }),
    );
    const again = await (
      await deliver(bindings, tenant, { eventKey: "pr:opened", payload, requestId: "req-1" })
    ).json();
    // Same body, other delivery (a project hook and a repo hook both firing): a second message.
    const other = await (
      await deliver(bindings, tenant, { eventKey: "pr:opened", payload, requestId: "req-2" })
    ).json();
    const unnamed = await accepted(
      await deliver(bindings, tenant, {
        eventKey: "pr:merged",
        payload: pullRequestEvent("pr:merged", 1),
        requestId: null,
      }),
    );
    const unnamedAgain = await (
      await deliver(bindings, tenant, {
        eventKey: "pr:merged",
        payload: pullRequestEvent("pr:merged", 1),
        requestId: null,
      })
    ).json();

    expect(again).toEqual({ id: first.id, duplicate: true });
    expect(other).toEqual({ id: expect.not.stringMatching(`^${first.id}$`), duplicate: false });
    expect(unnamedAgain).toEqual({ id: unnamed.id, duplicate: true });
    expect(await stats(bindings, tenant)).toMatchObject({ backlog: 3, counters: { received: 3, duplicates: 2 } });
  });

  it("refuses an X-Request-Id that is not printable ASCII with a clear 400, storing nothing", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    const payload = pullRequestEvent("pr:opened", 1);

    // é and ü as header bytes: two distinct ids that a lossy decoding could merge into one.
    const first = await deliver(bindings, tenant, { eventKey: "pr:opened", payload, requestId: "id-\u00e9-1" });
    const second = await deliver(bindings, tenant, { eventKey: "pr:opened", payload, requestId: "id-\u00fc-1" });

    for (const response of [first, second]) {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: {
          code: "invalid_request_id",
          message: "X-Request-Id must be printable ASCII (Bitbucket sends a UUID); this one holds other bytes",
        },
      });
    }
    expect(await storedRows(tenant)).toMatchObject({ messages: 0, deliveries: 0 });
  });

  it("still recognises a duplicate after the first delivery was acked", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    const delivery = { eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", 1), requestId: "req-acked" };
    await deliver(bindings, tenant, delivery);
    const leased = await lease(bindings, tenant);
    await ack(bindings, tenant, { acks: leased.messages.map((m) => m.leaseId) });

    const late = await (await deliver(bindings, tenant, delivery)).json();

    expect(late).toMatchObject({ duplicate: true });
    expect(await stats(bindings, tenant)).toMatchObject({ backlog: 0 });
  });

  it("computes the entity with the shared routing table, accepting 10.x ISO and +0000 timestamps", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    const sent = [
      pullRequestEvent("pr:opened", 42, repository("PRO3", "repostiroy-3")),
      refsChangedEvent("P", "my.repo"),
      projectModifiedEvent("OLD", "NEW"),
      {
        eventKey: "repo:modified",
        date: "2026-08-19T17:27:55+0000",
        old: repository("A", "r"),
        new: repository("B", "r2"),
      },
    ];
    for (const payload of sent) {
      expect((await deliver(bindings, tenant, { eventKey: payload.eventKey, payload })).status).toBe(202);
    }

    const leased = await lease(bindings, tenant, { max: 10 });

    expect(leased.messages.map((m) => [m.eventKey, m.entityKey])).toEqual([
      ["pr:opened", "pull-request:PRO3/repostiroy-3/42"],
      ["repo:refs_changed", "repository:P/my.repo"],
      ["project:modified", "project:NEW"],
      ["repo:modified", "repository:B/r2"],
    ]);
    expect(leased.messages[0]?.payload).toEqual(sent[0]);
  });
});
