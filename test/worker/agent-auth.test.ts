import { describe, expect, it } from "vitest";
import { stats } from "./support/agent";
import { AGENT_TOKEN, agentCall, call, deliver, edgeEnv, SECRET, tenantEnv, uniqueTenant } from "./support/edge";
import { pullRequestEvent } from "./support/payloads";

const ROUTES: [string, unknown][] = [
  ["/lease", {}],
  ["/ack", { acks: [] }],
  ["/extend", { leases: [{ leaseId: "x", visibilityMs: 5_000 }] }],
  ["/stats", undefined],
  ["/dead-letters", undefined],
  ["/dead-letters/redrive", { all: true }],
  ["/resync", {}],
];

describe("agent authentication", () => {
  it.each(ROUTES)("%s refuses a missing or wrong token with 401 and the error envelope", async (path, body) => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);

    const missing = await call(bindings, `/agent/v1/${tenant}${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const wrong = await agentCall(bindings, tenant, path, body, "not-the-token-at-all");

    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expect(await missing.json()).toEqual({
      error: { code: "unauthorized", message: expect.stringContaining("Authorization: Bearer") },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("accepts both tokens during a rotation, and refuses another tenant's token", async () => {
    const tenant = uniqueTenant();
    const other = uniqueTenant();
    const bindings = edgeEnv({
      RELAY_TENANTS: JSON.stringify({
        tenants: {
          [tenant]: { webhookSecrets: [SECRET], agentTokens: ["new-token-0123456789", "old-token-0123456789"] },
          [other]: { webhookSecrets: [SECRET], agentTokens: [AGENT_TOKEN] },
        },
      }),
    });

    const responses = await Promise.all([
      agentCall(bindings, tenant, "/stats", undefined, "new-token-0123456789"),
      agentCall(bindings, tenant, "/stats", undefined, "old-token-0123456789"),
      agentCall(bindings, tenant, "/stats", undefined, AGENT_TOKEN),
      agentCall(bindings, other, "/stats", undefined, "new-token-0123456789"),
    ]);

    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 401]);
  });

  it("answers 404 for an unknown tenant and for unknown routes, in the envelope", async () => {
    const bindings = tenantEnv(uniqueTenant());

    const unknownTenant = await agentCall(bindings, "nobody", "/stats");
    const unknownRoute = await call(bindings, "/nowhere");

    expect(unknownTenant.status).toBe(404);
    expect(await unknownTenant.json()).toMatchObject({ error: { code: "unknown_tenant" } });
    expect(unknownRoute.status).toBe(404);
    expect(await unknownRoute.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("refuses every agent call of a tenant that has no agent token", async () => {
    const tenant = uniqueTenant();
    const bindings = edgeEnv({
      RELAY_TENANTS: JSON.stringify({ tenants: { [tenant]: { webhookSecrets: [SECRET] } } }),
    });

    expect((await agentCall(bindings, tenant, "/stats", undefined, "")).status).toBe(401);
    expect((await agentCall(bindings, tenant, "/stats")).status).toBe(401);
  });

  it("records the agent's last contact", async () => {
    const tenant = uniqueTenant();
    const bindings = tenantEnv(tenant);
    const before = await stats(bindings, tenant);

    await agentCall(bindings, tenant, "/lease", {});
    const after = await stats(bindings, tenant);

    expect(before.lastAgentContactAt).toBeNull();
    expect(after.lastAgentContactAt).toEqual(expect.any(Number));
  });
});

describe("a broken configuration", () => {
  it("fails requests with 500 naming the field, never echoing a secret", async () => {
    const tenant = uniqueTenant();
    const secret = "super-secret-value-123";
    const bindings = edgeEnv({
      RELAY_TENANTS: JSON.stringify({
        tenants: { [tenant]: { webhookSecrets: [secret], agentTokens: ["short"], extra: secret } },
      }),
    });

    const webhook = await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 1),
      secret,
    });
    const agent = await agentCall(bindings, tenant, "/stats", undefined, "short");
    const text = await webhook.text();

    expect(webhook.status).toBe(500);
    expect(agent.status).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "config_invalid" } });
    expect(text).toContain(`RELAY_TENANTS.tenants.${tenant}.agentTokens[0]: must be at least 16 characters`);
    expect(text).toContain(`RELAY_TENANTS.tenants.${tenant}: has 1 unknown field(s)`);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("short");
  });

  it("names a tunable that is not a number", async () => {
    const tenant = uniqueTenant();
    const bindings = edgeEnv({}, { ...tenantEnv(tenant), MAX_BODY_BYTES: "ten megabytes" });

    const response = await deliver(bindings, tenant, {
      eventKey: "pr:opened",
      payload: pullRequestEvent("pr:opened", 1),
    });

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { code: "config_invalid", message: expect.stringContaining("MAX_BODY_BYTES: must be a number") },
    });
  });
});
