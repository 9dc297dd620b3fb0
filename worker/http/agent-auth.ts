import { createMiddleware } from "hono/factory";
import { secretsEqual } from "../../shared/crypto/digest";
import type { Tenant } from "../config/tenants";
import { tenantOf } from "./edge-config";
import { EdgeError } from "./edge-error";

export type AgentVariables = { tenant: Tenant };

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="bitbucket-relay"' };

/**
 * Agent calls carry `Authorization: Bearer <agent token>`. The token is compared with each of the tenant's tokens
 * (two during a rotation) as SHA-256 digests in constant time, and every token is compared, so the timing says
 * nothing about which one matched or how much of one did.
 */
export const agentAuth = createMiddleware<{ Bindings: Env; Variables: AgentVariables }>(async (c, next) => {
  const tenant = tenantOf(c.env, c.req.param("tenant") ?? "");
  const header = c.req.header("authorization");
  const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  const token = match?.[1];
  if (token === undefined) {
    throw new EdgeError(401, "unauthorized", "missing `Authorization: Bearer <agent token>`", CHALLENGE);
  }
  let valid = false;
  for (const expected of tenant.agentTokens) {
    if (await secretsEqual(token, expected)) valid = true;
  }
  if (!valid) {
    throw new EdgeError(
      401,
      "unauthorized",
      "the agent token is not valid for this tenant: use one of its tokens (AGENT_TOKEN, or agentTokens in RELAY_TENANTS)",
      CHALLENGE,
    );
  }
  c.set("tenant", tenant);
  await next();
});
