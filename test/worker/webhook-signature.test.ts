import { describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../shared/crypto/hmac";
import { stats } from "./support/agent";
import { AGENT_TOKEN, call, deliver, edgeEnv, SECRET, tenantEnv, uniqueTenant } from "./support/edge";
import { pullRequestEvent } from "./support/payloads";

const encoder = new TextEncoder();

// The reference notes' vectors (bitbucket-server-api.md §5.2): secret `s3cr3t`; whitespace matters.
const VECTORS = [
  { body: '{"test":true}', header: "sha256=fb5ae2ff34df84bac61e1fc1bd02da526cf29c8e0af411e2fb31c068315a97f9" },
  { body: '{"test": true}', header: "sha256=3b603dc6d5e2c989e2bfc76207643d3abe2227fcfd8bd41f90854e7e78e3a47b" },
];

describe("webhook signatures", () => {
  it.each(VECTORS)("verifies the reference vector for $body inside workerd", async ({ body, header }) => {
    expect(await verifyWebhookSignature(header, encoder.encode(body), [SECRET])).toBe(0);
    expect(
      await verifyWebhookSignature(header.toUpperCase().replace("SHA256=", "sha256="), encoder.encode(body), [SECRET]),
    ).toBe(0);
    expect(await verifyWebhookSignature(header, encoder.encode(`${body} `), [SECRET])).toBe(-1);
  });

  it("accepts the vectors at the edge over the raw bytes, and refuses them swapped", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    const send = (body: string, header: string) =>
      call(bindings, `/webhooks/${tenant}`, {
        method: "POST",
        headers: { "x-event-key": "pr:opened", "x-hub-signature": header },
        body,
      });
    const [first, second] = VECTORS.map((vector) => vector);
    if (first === undefined || second === undefined) throw new Error("vectors missing");

    const good = [await send(first.body, first.header), await send(second.body, second.header)];
    const swapped = [await send(first.body, second.header), await send(second.body, first.header)];

    // Signature accepted, then refused for what it is: a ping body without an eventKey.
    for (const response of good) {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "missing_event_key" } });
    }
    for (const response of swapped) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: "bad_signature" } });
    }
  });

  it("accepts the current and the previous secret during a rotation, and nothing else", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant, { webhookSecrets: ["new-secret", "old-secret"], agentTokens: [AGENT_TOKEN] });

    const withNew = await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 1),
      secret: "new-secret",
    });
    const withOld = await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 2),
      secret: "old-secret",
    });
    const withOther = await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 3),
      secret: "older-secret",
    });

    expect([withNew.status, withOld.status, withOther.status]).toEqual([202, 202, 401]);
    expect(await stats(bindings, tenant)).toMatchObject({ backlog: 2, counters: { received: 2, badSignatures: 1 } });
  });

  it("serves the tenant `default` from WEBHOOK_SECRET and AGENT_TOKEN", async () => {
    const bindings = edgeEnv({ WEBHOOK_SECRET: "default-secret", AGENT_TOKEN });

    const signed = await deliver(bindings, "default", {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 1),
      secret: "default-secret",
    });
    const wrong = await deliver(bindings, "default", {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 1),
      secret: SECRET,
    });

    expect(signed.status).toBe(202);
    expect(wrong.status).toBe(401);
  });

  it("refuses a missing or malformed signature and counts it, storing nothing", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);

    const missing = await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 1),
      secret: null,
    });
    const malformed = await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 1),
      secret: null,
      headers: { "x-hub-signature": "sha1=abc" },
    });

    expect([missing.status, malformed.status]).toEqual([401, 401]);
    expect(await missing.json()).toEqual({
      error: { code: "bad_signature", message: expect.stringContaining("missing X-Hub-Signature") },
    });
    expect(await stats(bindings, tenant)).toMatchObject({ backlog: 0, counters: { received: 0, badSignatures: 2 } });
  });

  it("fails closed for a tenant without a secret, unless it is marked to accept unsigned deliveries", async () => {
    const closed = uniqueTenant();
    const open = uniqueTenant();
    const bindings = edgeEnv({
      RELAY_TENANTS: JSON.stringify({
        tenants: {
          [closed]: { agentTokens: [AGENT_TOKEN] },
          [open]: { agentTokens: [AGENT_TOKEN], acceptUnsigned: true },
        },
      }),
    });
    const event = { eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", 1) };

    const closedSigned = await deliver(bindings, closed, { ...event, secret: "anything" });
    const closedUnsigned = await deliver(bindings, closed, { ...event, secret: null });
    const openUnsigned = await deliver(bindings, open, { ...event, secret: null });

    expect([closedSigned.status, closedUnsigned.status, openUnsigned.status]).toEqual([401, 401, 202]);
    expect(await closedSigned.json()).toMatchObject({
      error: { message: expect.stringContaining("no webhook secret") },
    });
  });

  it("still checks a signature that is present when unsigned deliveries are accepted", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant, { acceptUnsigned: true });
    const event = { eventKey: "pr:opened", payload: pullRequestEvent("pr:opened", 1) };

    const unsigned = await deliver(bindings, tenant, { ...event, secret: null });
    const forged = await deliver(bindings, tenant, { ...event, secret: "forged", requestId: "other" });

    expect([unsigned.status, forged.status]).toEqual([202, 401]);
  });
});
