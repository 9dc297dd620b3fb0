import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type EdgeHarness, startEdge } from "../test/support/edge-harness";
import { buildWorkerBundle } from "../test/support/worker-bundle";
import { DEFAULT_TENANT } from "../worker/config/tenants";

/**
 * The edge on this machine, for `npm start`'s local pipeline: the bundled Worker in
 * Miniflare's workerd on loopback, its queues kept on disk between runs, and development secrets generated once
 * into a git-ignored `.dev.vars` (the file `wrangler dev` reads too, so both see the same secrets).
 */

/** The tenant WEBHOOK_SECRET and AGENT_TOKEN configure on the edge. */
export const DEV_TENANT = DEFAULT_TENANT;
export const DEFAULT_EDGE_PORT = 8787;

export interface LocalEdgeOptions {
  /** The repository root; default: the current directory. */
  root?: string;
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Where the queues are kept between runs; default `.wrangler/state/bbrelay-dev`. */
  stateDir?: string;
  /** The dotenv file holding the development secrets; default `.dev.vars`. */
  secretsFile?: string;
  /** Where the Worker is bundled; default `.tmp/worker-dist`. */
  bundleDir?: string;
  /** Values that win over the file (for example from the environment). */
  overrides?: { WEBHOOK_SECRET?: string | undefined; AGENT_TOKEN?: string | undefined };
  output?: "discard" | "inherit";
}

export interface LocalEdge {
  readonly url: string;
  readonly tenant: string;
  /** Bitbucket's webhook URL for the tenant. */
  readonly webhookUrl: string;
  readonly webhookSecret: string;
  readonly agentToken: string;
  readonly stateDir: string;
  readonly secretsFile: string;
  /** True when this run generated the secrets (first run, or the file was deleted). */
  readonly generatedSecrets: boolean;
  readonly edge: EdgeHarness;
  stop(): Promise<void>;
}

export async function startLocalEdge(options: LocalEdgeOptions = {}): Promise<LocalEdge> {
  const root = resolve(options.root ?? process.cwd());
  const secretsFile = resolve(root, options.secretsFile ?? ".dev.vars");
  const stateDir = resolve(root, options.stateDir ?? ".wrangler/state/bbrelay-dev");
  const secrets = loadOrCreateSecrets(secretsFile, options.overrides ?? {});
  mkdirSync(stateDir, { recursive: true });

  const scriptPath = buildWorkerBundle(root, options.bundleDir);
  const edge = await startEdge({
    scriptPath,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? DEFAULT_EDGE_PORT,
    persistDir: stateDir,
    webhookSecret: secrets.webhookSecret,
    agentToken: secrets.agentToken,
    output: options.output ?? "inherit",
  });
  return {
    url: edge.url,
    tenant: DEV_TENANT,
    webhookUrl: `${edge.url}/webhooks/${DEV_TENANT}`,
    webhookSecret: secrets.webhookSecret,
    agentToken: secrets.agentToken,
    stateDir,
    secretsFile,
    generatedSecrets: secrets.generated,
    edge,
    stop: () => edge.stop(),
  };
}

interface DevSecrets {
  webhookSecret: string;
  agentToken: string;
  generated: boolean;
}

/** Reads WEBHOOK_SECRET and AGENT_TOKEN from the dotenv file, generating and saving whichever is missing. */
export function loadOrCreateSecrets(file: string, overrides: LocalEdgeOptions["overrides"] = {}): DevSecrets {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const values = parseDotenv(text);
  const missing: Record<string, string> = {};
  for (const name of ["WEBHOOK_SECRET", "AGENT_TOKEN"] as const) {
    if (!values.has(name)) missing[name] = randomBytes(32).toString("hex");
  }
  if (Object.keys(missing).length > 0) {
    mkdirSync(dirname(file), { recursive: true });
    const header =
      text.length === 0
        ? "# Development secrets for the local edge (npm start); git-ignored. Delete to regenerate.\n"
        : "";
    const separator = text.length > 0 && !text.endsWith("\n") ? "\n" : "";
    const lines = Object.entries(missing)
      .map(([name, value]) => `${name}=${value}\n`)
      .join("");
    writeFileSync(file, `${text}${separator}${header}${lines}`);
    chmodSync(file, 0o600);
  }
  const pick = (name: "WEBHOOK_SECRET" | "AGENT_TOKEN") => overrides[name] || values.get(name) || missing[name] || "";
  return {
    webhookSecret: pick("WEBHOOK_SECRET"),
    agentToken: pick("AGENT_TOKEN"),
    generated: Object.keys(missing).length > 0,
  };
}

/** `KEY=value` lines, optionally quoted; comments and blank lines ignored (the subset `.dev.vars` uses). */
export function parseDotenv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const raw = match[2];
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    const value = quoted?.[2] ?? raw;
    if (value.length > 0) values.set(match[1], value);
  }
  return values;
}

export function describeLocalEdge(local: LocalEdge, root: string): string {
  const relative = (path: string) => (path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path);
  return [
    "Bitbucket Relay: the edge is running locally (Miniflare/workerd, the same bundle `wrangler deploy` uploads).",
    "",
    `  Edge URL         ${local.url}`,
    `  Webhook URL      ${local.webhookUrl}   (Bitbucket: Repository or Project settings → Webhooks)`,
    `  Webhook secret   ${local.webhookSecret}`,
    `  Agent token      ${local.agentToken}   (bbrelay: RELAY_AGENT_TOKEN)`,
    `  Tenant           ${local.tenant}`,
    `  Secrets          ${relative(local.secretsFile)}${local.generatedSecrets ? " (generated now)" : ""}; git-ignored, delete it to get new ones`,
    `  Queue state      ${relative(local.stateDir)}; delete it to start empty`,
    "",
    "Try:",
    `  curl -s ${local.url}/agent/v1/${local.tenant}/stats -H "Authorization: Bearer ${local.agentToken}"`,
    "",
    "Ctrl+C stops the edge.",
  ].join("\n");
}
