import { z } from "zod";
import { describeIssues } from "./describe-issues";

/**
 * Tenants and their secrets. `WEBHOOK_SECRET` and `AGENT_TOKEN` (Worker secrets) configure the tenant `default`;
 * `RELAY_TENANTS` (one JSON Worker secret) configures any number of tenants, each with up to two webhook secrets
 * and two agent tokens so that either can be rotated without downtime (add the new one, switch Bitbucket or the
 * agent, remove the old one). When both name `default`, their secrets are merged.
 */

export const DEFAULT_TENANT = "default";
export const TENANT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Long enough that guessing is hopeless; `openssl rand -hex 32` gives 64 characters. */
export const AGENT_TOKEN_MIN_LENGTH = 16;

const AgentToken = z.string().min(AGENT_TOKEN_MIN_LENGTH);

export const TenantEntry = z.strictObject({
  /** The current secret first, then the previous one during a rotation. */
  webhookSecrets: z.array(z.string().min(1)).max(2).default([]),
  agentTokens: z.array(AgentToken).max(2).default([]),
  /** Accept deliveries without `X-Hub-Signature` (a signature that is present must still verify). */
  acceptUnsigned: z.boolean().default(false),
});
export type TenantEntry = z.infer<typeof TenantEntry>;

export const RelayTenants = z.strictObject({
  tenants: z.record(z.string().regex(TENANT_NAME_PATTERN), TenantEntry),
});
export type RelayTenants = z.infer<typeof RelayTenants>;
export type RelayTenantsInput = z.input<typeof RelayTenants>;

export interface Tenant {
  readonly name: string;
  readonly webhookSecrets: readonly string[];
  readonly agentTokens: readonly string[];
  readonly acceptUnsigned: boolean;
}

/** The variables this module reads (all Worker secrets). */
export interface TenantSecrets {
  WEBHOOK_SECRET?: string | undefined;
  AGENT_TOKEN?: string | undefined;
  RELAY_TENANTS?: string | undefined;
}

export type TenantsResult = { ok: true; tenants: ReadonlyMap<string, Tenant> } | { ok: false; problems: string[] };

const TENANTS_EXAMPLE = '{"tenants":{"acme":{"webhookSecrets":["…"],"agentTokens":["…"]}}}';

/**
 * Reads the tenants from the Worker's secrets. Every problem is reported at once, each naming the variable and
 * the field; no value is ever quoted.
 */
export function readTenants(secrets: TenantSecrets): TenantsResult {
  const problems: string[] = [];
  const tenants = new Map<string, Tenant>();

  const json = secrets.RELAY_TENANTS;
  if (json !== undefined) {
    const parsed = parseTenantsJson(json);
    if (parsed.ok) {
      for (const [name, entry] of Object.entries(parsed.value.tenants)) tenants.set(name, { name, ...entry });
    } else {
      problems.push(...parsed.problems);
    }
  }

  const webhookSecret = secrets.WEBHOOK_SECRET;
  const agentToken = secrets.AGENT_TOKEN;
  if (webhookSecret !== undefined && webhookSecret.length === 0) {
    problems.push("WEBHOOK_SECRET is empty: set it to the secret of the Bitbucket webhook, or delete it");
  }
  if (agentToken !== undefined && agentToken.length < AGENT_TOKEN_MIN_LENGTH) {
    problems.push(
      `AGENT_TOKEN must be at least ${AGENT_TOKEN_MIN_LENGTH} characters (generate one with \`openssl rand -hex 32\`)`,
    );
  }
  if (webhookSecret || agentToken) {
    const existing = tenants.get(DEFAULT_TENANT);
    tenants.set(DEFAULT_TENANT, {
      name: DEFAULT_TENANT,
      webhookSecrets: unique([...(webhookSecret ? [webhookSecret] : []), ...(existing?.webhookSecrets ?? [])]),
      agentTokens: unique([...(agentToken ? [agentToken] : []), ...(existing?.agentTokens ?? [])]),
      acceptUnsigned: existing?.acceptUnsigned ?? false,
    });
  }

  return problems.length > 0 ? { ok: false, problems } : { ok: true, tenants };
}

function parseTenantsJson(text: string): { ok: true; value: RelayTenants } | { ok: false; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which would leak the secret: say only where to look.
    return { ok: false, problems: [`RELAY_TENANTS is not valid JSON: it must look like ${TENANTS_EXAMPLE}`] };
  }
  const parsed = RelayTenants.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const safeKey = (key: string) => TENANT_NAME_PATTERN.test(key) || key in TenantEntry.shape || key === "tenants";
  return { ok: false, problems: describeIssues("RELAY_TENANTS", parsed.error.issues, safeKey) };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
