import { type EdgeSettings, readSettings } from "../config/settings";
import { readTenants, type Tenant } from "../config/tenants";
import { logEvent } from "../log";
import type { RelayQueue } from "../relay-queue";
import { EdgeError } from "./edge-error";

/**
 * The Worker's configuration, read from its bindings on each request (a few microseconds; no module-level state
 * to go stale). A broken configuration fails every request that needs it with a 500 that names the variable and
 * the field, and never quotes a value.
 */

export function settingsOf(env: Env): EdgeSettings {
  const read = readSettings(env);
  if (read.ok) return read.settings;
  throw configError(read.problems);
}

export function tenantsOf(env: Env): ReadonlyMap<string, Tenant> {
  const read = readTenants(env);
  if (read.ok) return read.tenants;
  throw configError(read.problems);
}

/** @throws EdgeError 404 when the tenant is not configured */
export function tenantOf(env: Env, name: string): Tenant {
  const tenant = tenantsOf(env).get(name);
  if (tenant === undefined) {
    throw new EdgeError(
      404,
      "unknown_tenant",
      "no such tenant: configure it with WEBHOOK_SECRET/AGENT_TOKEN (tenant `default`) or in RELAY_TENANTS",
    );
  }
  return tenant;
}

/** The tenant's queue: one Durable Object per tenant, addressed by name. */
export function queueOf(env: Env, tenant: Tenant): DurableObjectStub<RelayQueue> {
  return env.RELAY_QUEUE.get(env.RELAY_QUEUE.idFromName(tenant.name));
}

function configError(problems: readonly string[]): EdgeError {
  logEvent("error", "the edge's configuration is invalid", { problems: problems.join("; ") });
  return new EdgeError(500, "config_invalid", `the edge's configuration is invalid: ${problems.join("; ")}`);
}
