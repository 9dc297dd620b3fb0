import { env } from "cloudflare:test";
import type { RelayTenantsInput } from "../../../worker/config/tenants";
import { app } from "../../../worker/index";
import { deliveryRequest } from "../../support/webhook-delivery";

/**
 * Drives the edge's Hono app inside workerd with a per-test configuration: the real Durable Object namespace from
 * wrangler.toml, plus the secrets each test chooses. Every test uses its own tenant name, so its queue is a fresh
 * object and no state leaks between tests.
 */

export const AGENT_TOKEN = "agent-token-0123456789abcdef";
export const SECRET = "s3cr3t";

export function uniqueTenant(prefix = "t"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 12)}`;
}

export type Secrets = { WEBHOOK_SECRET?: string; AGENT_TOKEN?: string; RELAY_TENANTS?: string };

/** The bindings of wrangler.toml with exactly these secrets (whatever a developer's .dev.vars holds). */
export function edgeEnv(secrets: Secrets = {}, vars: Partial<Env> = {}): Env {
  return {
    ...env,
    WEBHOOK_SECRET: secrets.WEBHOOK_SECRET,
    AGENT_TOKEN: secrets.AGENT_TOKEN,
    RELAY_TENANTS: secrets.RELAY_TENANTS,
    ...vars,
  };
}

/** One tenant with the usual secret and token, configured through RELAY_TENANTS. */
export function tenantEnv(tenant: string, entry: RelayTenantsInput["tenants"][string] = {}): Env {
  return edgeEnv({
    RELAY_TENANTS: JSON.stringify({
      tenants: { [tenant]: { webhookSecrets: [SECRET], agentTokens: [AGENT_TOKEN], ...entry } },
    } satisfies RelayTenantsInput),
  });
}

export async function call(bindings: Env, path: string, init: RequestInit = {}): Promise<Response> {
  return app.request(`https://edge.test${path}`, init, bindings);
}

export function queueStub(tenant: string) {
  return env.RELAY_QUEUE.get(env.RELAY_QUEUE.idFromName(tenant));
}

export interface Delivery {
  eventKey: string;
  payload: unknown;
  requestId?: string | null;
  secret?: string | null;
  /** Sent as is instead of the serialised payload. */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** A Bitbucket delivery: `X-Event-Key`, `X-Request-Id` and `X-Hub-Signature` over the exact body bytes. */
export async function deliveryInit(delivery: Delivery): Promise<RequestInit> {
  const { headers, body } = await deliveryRequest({
    eventKey: delivery.eventKey,
    body: delivery.rawBody ?? delivery.payload,
    ...(delivery.requestId === undefined ? {} : { requestId: delivery.requestId }),
    secret: delivery.secret === undefined ? SECRET : delivery.secret,
  });
  return { method: "POST", headers: { ...headers, ...delivery.headers }, body };
}

export async function deliver(bindings: Env, tenant: string, delivery: Delivery): Promise<Response> {
  return call(bindings, `/webhooks/${tenant}`, await deliveryInit(delivery));
}

export async function agentCall(bindings: Env, tenant: string, path: string, body?: unknown, token = AGENT_TOKEN) {
  return call(bindings, `/agent/v1/${tenant}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
