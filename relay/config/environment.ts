import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "../config/config-error";
import { defaultCatalogPath, defaultStateDir } from "./data-paths";
import { applyOceanAliases, OCEAN_SECRET_ALIASES } from "./ocean-aliases";

/** How long one jq-wasm evaluation may run by default (the mapping engine's own default too). */
const DEFAULT_JQ_TIMEOUT_MS = 2_000;

/**
 * The agent's environment variables (README.md, "Configuration"), validated in one pass with every problem
 * reported at once. Messages name the variable and never repeat a secret's value. An empty value counts as unset
 * (env files often carry `NAME=`).
 *
 * | variable | meaning |
 * | --- | --- |
 * | `BITBUCKET_URL` | the server's root URL, with its context path if any (`https://host/bitbucket`), not the REST URL |
 * | `BITBUCKET_TOKEN` | an HTTP access token, sent as a Bearer token; with `BITBUCKET_USERNAME`, as the Basic password |
 * | `BITBUCKET_USERNAME` + `BITBUCKET_PASSWORD` | Basic authentication |
 * | `RELAY_URL`, `RELAY_AGENT_TOKEN` | the edge and the agent's token (https, or http on loopback only) |
 * | `RELAY_TENANT` | the tenant on the edge, `default` when unset |
 * | `PORT_CLIENT_ID` + `PORT_CLIENT_SECRET` | write to Port; without them the local catalog is used |
 * | `PORT_BASE_URL` | `https://api.getport.io` (EU, default), `https://api.us.getport.io` (US), or `eu` / `us` |
 * | `CATALOG_PATH` | the local catalog's SQLite file (default `$XDG_DATA_HOME/bbrelay/catalog.sqlite`) |
 * | `BBRELAY_CONFIG` | the mapping file (default: the built-in mapping); `--config FILE` overrides it |
 * | `BBRELAY_STATE_DIR` | the agent's own state (default `$XDG_STATE_HOME/bbrelay`) |
 * | `RELAY_WEBHOOK_SECRET` | the tenant's webhook secret, put into the webhooks `bbrelay webhooks sync` installs |
 * | `BBRELAY_INSTALLATION_ID` | names this installation in the catalog's datasource (default: from `BITBUCKET_URL`) |
 * | `BBRELAY_BLUEPRINTS` | a blueprints file (Port's JSON): loaded into the local catalog, created in Port when missing |
 * | `BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER` | `true`/`false`: skip version detection for the webhook scope |
 * | `BBRELAY_JQ_ENV` | comma-separated variables a mapping may read through jq's `env` / `$ENV` (default: none) |
 * | `BBRELAY_PORT_INTEGRATION` | `false`: with Port credentials, write entities without registering the integration |
 * | `BBRELAY_MAPPING_SOURCE` | `port` (default with Port credentials) or `file`: the local mapping overrides Port's |
 * | `BBRELAY_RESYNC_INTERVAL` | minutes between resyncs the agent schedules itself (default: none, the edge's cron) |
 * | `BBRELAY_SEND_RAW_DATA_EXAMPLES` | `false` stops sending raw data examples to Port (default true) |
 * | `BBRELAY_INITIALIZE_PORT_RESOURCES` | `false`: do not create the integration and missing blueprints in Port |
 * | `BBRELAY_LISTEN` | `bbrelay run`'s HTTP listener (console, health, metrics): `HOST:PORT` or `off` (127.0.0.1:9464) |
 * | `BBRELAY_CONSOLE_TOKEN` | the console's token: required for a listener off loopback, then asked by every page |
 * | `BBRELAY_PORT_POLL_INTERVAL` | seconds between reads of Port's config and resync requests (default 60, Ocean's) |
 *
 * Ocean's names (`OCEAN__PORT__CLIENT_ID`, …; see ocean-aliases.ts) are accepted for the same settings.
 * | `BBRELAY_JQ_TIMEOUT_MS` | how long one jq-wasm evaluation may run before it is stopped (default 2000) |
 * | `BBRELAY_BITBUCKET_CONCURRENCY` | Bitbucket requests in flight at once, all listings and reads together (default 8) |
 * | `BBRELAY_GITOPS` | `false` turns GitOps off (entities declared in repositories' `port.yml`; default true) |
 * | `BBRELAY_GITOPS_FILES` | comma-separated paths (or globs) of the GitOps files from a repository's root (default `port.yml`) |
 * | `BBRELAY_MESSAGE_TIMEOUT` | seconds one live event may take before it is dead-lettered with that reason (default 300) |
 * | `BBRELAY_DRAIN_TIMEOUT` | seconds `bbrelay run` lets in-flight work finish after SIGTERM before releasing it (default 30) |
 */

export type BitbucketAuth = { kind: "basic"; username: string; password: string } | { kind: "bearer"; token: string };

export interface BitbucketSettings {
  /** No trailing slash; includes the context path, excludes `/rest/...`. */
  baseUrl: string;
  auth: BitbucketAuth;
}

export interface RelaySettings {
  /** No trailing slash. */
  url: string;
  tenant: string;
  agentToken: string;
  /** The tenant's webhook secret, when set: the webhooks the agent installs carry it. */
  webhookSecret: string | null;
}

export interface PortSettings {
  clientId: string;
  clientSecret: string;
  /** No trailing slash. */
  baseUrl: string;
}

/** The agent as a Port integration (only meaningful with Port credentials). */
export interface IntegrationSettings {
  /** Register the integration and take the mapping from it (`BBRELAY_PORT_INTEGRATION`, default true). */
  enabled: boolean;
  /** `port`: Port's integration config is the mapping in force; `file`: the local mapping overrides it. */
  mappingSource: "port" | "file";
  /** Send the first raw items per kind to Port's examples route at each resync (default true). */
  sendRawDataExamples: boolean;
  /** Create the integration when missing and the blueprints Port lacks (default true, Ocean's). */
  initializePortResources: boolean;
  /** Seconds between reads of the integration's config and resync requests (Ocean's polling listener: 60). */
  pollIntervalSeconds: number;
}

export interface AgentEnvironment {
  /** Null when `BITBUCKET_URL` is unset (commands that need Bitbucket call {@link requireBitbucket}). */
  bitbucket: BitbucketSettings | null;
  /** Null when `RELAY_URL` is unset. */
  relay: RelaySettings | null;
  /** Null when no Port credentials are set: the local catalog is the catalog then. */
  port: PortSettings | null;
  /** Absolute path of the local catalog's file. */
  catalogPath: string;
  /** Absolute path of the mapping file from `BBRELAY_CONFIG`, or null for the built-in mapping. */
  mappingPath: string | null;
  /** Absolute path of the agent's state directory. */
  stateDir: string;
  /**
   * Names this installation in the datasource Port records: two installations never delete each other's
   * entities. Default: the Bitbucket server's host and context path, so it stays put across agent restarts.
   */
  installationId: string;
  /** Absolute path of a blueprints file, or null (the local catalog then uses the built-in blueprints). */
  blueprintsPath: string | null;
  /** Port's `bitbucketIsVersion8Point7OrOlder`: null detects the version (numerically) for the webhook scope. */
  bitbucketIsVersion8Point7OrOlder: boolean | null;
  /** The variables `BBRELAY_JQ_ENV` names, with their values: all that a mapping's `env` and `$ENV` hold. */
  jqEnv: Readonly<Record<string, string>>;
  integration: IntegrationSettings;
  /** Minutes between the resyncs the agent schedules itself (`BBRELAY_RESYNC_INTERVAL`), or null for none. */
  resyncIntervalMinutes: number | null;
  /** Which of Ocean's variable names were used (or overridden by ours): logged at start. */
  aliasNotes: string[];
  /** `BBRELAY_JQ_TIMEOUT_MS`: a jq-wasm evaluation running longer is stopped and maps to an error (the field null). */
  jqTimeoutMs: number;
  /** `BBRELAY_LISTEN` as given (checked by `bbrelay run`, where `--listen` may override it), or null. */
  listen: string | null;
  /** `BBRELAY_CONSOLE_TOKEN`, or null. */
  consoleToken: string | null;
  /** `BBRELAY_BITBUCKET_CONCURRENCY`: Bitbucket requests in flight at once, whatever asks for them (default 8). */
  bitbucketConcurrency: number;
  /** `BBRELAY_GITOPS` (default on) and `BBRELAY_GITOPS_FILES` (default `port.yml`): entities declared in repositories. */
  gitops: GitOpsSettings;
  /** `BBRELAY_MESSAGE_TIMEOUT`, in ms: a live event without an outcome by then is dead-lettered (default 300 s). */
  messageTimeoutMs: number;
  /** `BBRELAY_DRAIN_TIMEOUT`, in ms: after SIGTERM, in-flight work gets this long before it is released (default 30 s). */
  drainTimeoutMs: number;
}

export interface GitOpsSettings {
  enabled: boolean;
  /** Paths (or globs) from a repository's root of the files that declare entities. */
  files: string[];
}

export const PORT_BASE_URLS = { eu: "https://api.getport.io", us: "https://api.us.getport.io" } as const;

export interface EnvironmentInputs {
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths are resolved against it. */
  cwd: string;
  homeDir: string;
  /** The connections the command cannot do without: a missing one is reported with every other problem. */
  requires?: readonly RequiredConnection[];
  /**
   * For a command that will read the mapping and blueprints files: a file a variable names that does not exist is
   * reported with every other problem (not in a second round, after the user fixed those). `mappingFlag`: the
   * command was given `--config`, so `BBRELAY_CONFIG` is not read (the flag's own file is the loader's to report).
   */
  files?: { exists: (path: string) => boolean; mappingFlag: boolean };
}

/** `webhook-secret`: the tenant's webhook secret too (what `bbrelay webhooks` puts into the hooks). */
export type RequiredConnection = "bitbucket" | "relay" | "webhook-secret";

const Text = z.preprocess((value) => (value === "" ? undefined : value), z.string().optional());

/** Bitbucket requests in flight at once: the client's own bound (relay/bitbucket/config.ts) takes 1 to 256. */
const DEFAULT_BITBUCKET_CONCURRENCY = 8;
const BitbucketConcurrency = z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(256));

/** Whole seconds within bounds, from the variable's text. */
const seconds = (max: number) =>
  z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(max));
/** A Bitbucket read's worst healthy case (6 attempts of 30 s, with backoff) fits in the default with room. */
const DEFAULT_MESSAGE_TIMEOUT_SECONDS = 300;
const MessageTimeout = seconds(86_400);
const DEFAULT_DRAIN_TIMEOUT_SECONDS = 30;
const DrainTimeout = seconds(3_600);

const RawEnvironment = z.object({
  BITBUCKET_URL: Text,
  BITBUCKET_TOKEN: Text,
  BITBUCKET_USERNAME: Text,
  BITBUCKET_PASSWORD: Text,
  RELAY_URL: Text,
  RELAY_TENANT: Text,
  RELAY_AGENT_TOKEN: Text,
  PORT_CLIENT_ID: Text,
  PORT_CLIENT_SECRET: Text,
  PORT_BASE_URL: Text,
  CATALOG_PATH: Text,
  BBRELAY_CONFIG: Text,
  BBRELAY_STATE_DIR: Text,
  RELAY_WEBHOOK_SECRET: Text,
  BBRELAY_INSTALLATION_ID: Text,
  BBRELAY_BLUEPRINTS: Text,
  BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER: Text,
  BBRELAY_JQ_ENV: Text,
  BBRELAY_PORT_INTEGRATION: Text,
  BBRELAY_MAPPING_SOURCE: Text,
  BBRELAY_RESYNC_INTERVAL: Text,
  BBRELAY_SEND_RAW_DATA_EXAMPLES: Text,
  BBRELAY_INITIALIZE_PORT_RESOURCES: Text,
  BBRELAY_JQ_TIMEOUT_MS: Text,
  BBRELAY_LISTEN: Text,
  BBRELAY_CONSOLE_TOKEN: Text,
  BBRELAY_PORT_POLL_INTERVAL: Text,
  BBRELAY_BITBUCKET_CONCURRENCY: Text,
  BBRELAY_GITOPS: Text,
  BBRELAY_GITOPS_FILES: Text,
  BBRELAY_MESSAGE_TIMEOUT: Text,
  BBRELAY_DRAIN_TIMEOUT: Text,
});
type RawEnvironment = z.infer<typeof RawEnvironment>;

const SECRETS = [
  "BITBUCKET_TOKEN",
  "BITBUCKET_PASSWORD",
  "RELAY_AGENT_TOKEN",
  "PORT_CLIENT_SECRET",
  "RELAY_WEBHOOK_SECRET",
  "BBRELAY_CONSOLE_TOKEN",
] as const;

/**
 * Every variable whose value is a secret: the agent's, and the edge's own (`npm start` runs both in one
 * environment). Registered with the log redactor before anything is logged, and never handed to a mapping.
 */
export const SECRET_ENV_VARS: readonly string[] = [
  ...SECRETS,
  "WEBHOOK_SECRET",
  "AGENT_TOKEN",
  ...OCEAN_SECRET_ALIASES,
];
// The segments of Port's datasource (`port-ocean/<type>/<version>/<installation>/exporter`) may not hold "/".
const INSTALLATION_ID = /^[A-Za-z0-9._@+=:-]{1,100}$/;
// The edge's rule for tenant names (worker/config/tenants.ts): a name it refuses could never be leased from.
const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * @returns the validated environment
 * @throws ConfigError naming every problem (exit 2)
 */
export function loadEnvironment(inputs: EnvironmentInputs): AgentEnvironment {
  const aliased = applyOceanAliases(inputs.env);
  const raw = RawEnvironment.parse(aliased.env);
  const problems: string[] = [];
  const problem = (variable: string, message: string) => problems.push(`${variable}: ${message}`);

  for (const name of SECRETS) {
    if (raw[name] !== undefined && /[\r\n]/.test(raw[name])) {
      problem(name, "contains a line break (a copy-paste artefact?); remove it");
    }
  }

  const bitbucket = bitbucketSettings(raw, problem);
  const relay = relaySettings(raw, problem);
  const port = portSettings(raw, problem);
  const resolvePath = (path: string) => (isAbsolute(path) ? path : resolve(inputs.cwd, path));

  const installationId = raw.BBRELAY_INSTALLATION_ID ?? defaultInstallationId(bitbucket?.baseUrl ?? null);
  if (!INSTALLATION_ID.test(installationId)) {
    problem(
      "BBRELAY_INSTALLATION_ID",
      "must be 1-100 letters, digits or . _ @ + = : - (no / or spaces): it becomes part of the catalog's datasource",
    );
  }
  const versionFlag = raw.BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER?.toLowerCase();
  if (versionFlag !== undefined && versionFlag !== "true" && versionFlag !== "false") {
    problem("BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER", "must be true or false (or unset to detect the version)");
  }

  const jqEnv = jqEnvironment(raw.BBRELAY_JQ_ENV, inputs.env, problem);
  const flag = (name: keyof RawEnvironment, fallback: boolean) => booleanSetting(name, raw[name], fallback, problem);
  const mappingSource = raw.BBRELAY_MAPPING_SOURCE?.toLowerCase() ?? "port";
  if (mappingSource !== "port" && mappingSource !== "file")
    problem("BBRELAY_MAPPING_SOURCE", "must be port (Port's integration config) or file (the local mapping wins)");
  const integration: IntegrationSettings = {
    enabled: flag("BBRELAY_PORT_INTEGRATION", true),
    mappingSource: mappingSource === "file" ? "file" : "port",
    sendRawDataExamples: flag("BBRELAY_SEND_RAW_DATA_EXAMPLES", true),
    initializePortResources: flag("BBRELAY_INITIALIZE_PORT_RESOURCES", true),
    pollIntervalSeconds: wholeNumber("BBRELAY_PORT_POLL_INTERVAL", raw.BBRELAY_PORT_POLL_INTERVAL, 60, problem),
  };
  const interval = raw.BBRELAY_RESYNC_INTERVAL;
  const resyncIntervalMinutes = interval === undefined ? null : Number(interval);
  if (resyncIntervalMinutes !== null && !(Number.isSafeInteger(resyncIntervalMinutes) && resyncIntervalMinutes >= 1))
    problem(
      "BBRELAY_RESYNC_INTERVAL",
      "must be a whole number of minutes, 1 or more (Ocean's scheduledResyncInterval)",
    );
  const jqTimeoutMs =
    raw.BBRELAY_JQ_TIMEOUT_MS === undefined ? DEFAULT_JQ_TIMEOUT_MS : Number(raw.BBRELAY_JQ_TIMEOUT_MS);
  if (!Number.isInteger(jqTimeoutMs) || jqTimeoutMs < 10 || jqTimeoutMs > 600_000) {
    problem("BBRELAY_JQ_TIMEOUT_MS", "must be a whole number of milliseconds from 10 to 600000 (default 2000)");
  }

  const concurrency =
    raw.BBRELAY_BITBUCKET_CONCURRENCY === undefined
      ? null
      : BitbucketConcurrency.safeParse(raw.BBRELAY_BITBUCKET_CONCURRENCY);
  if (concurrency !== null && !concurrency.success)
    problem(
      "BBRELAY_BITBUCKET_CONCURRENCY",
      `must be a whole number of requests from 1 to 256 (default ${DEFAULT_BITBUCKET_CONCURRENCY}), got ${JSON.stringify(raw.BBRELAY_BITBUCKET_CONCURRENCY)}`,
    );
  const bitbucketConcurrency = concurrency?.success === true ? concurrency.data : DEFAULT_BITBUCKET_CONCURRENCY;
  const boundedSeconds = (
    name: "BBRELAY_MESSAGE_TIMEOUT" | "BBRELAY_DRAIN_TIMEOUT",
    schema: typeof MessageTimeout,
    max: number,
    fallback: number,
  ) => {
    const value = raw[name];
    if (value === undefined) return fallback * 1_000;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data * 1_000;
    problem(
      name,
      `must be a whole number of seconds from 1 to ${max} (default ${fallback}), got ${JSON.stringify(value)}`,
    );
    return fallback * 1_000;
  };
  const messageTimeoutMs = boundedSeconds(
    "BBRELAY_MESSAGE_TIMEOUT",
    MessageTimeout,
    86_400,
    DEFAULT_MESSAGE_TIMEOUT_SECONDS,
  );
  const drainTimeoutMs = boundedSeconds("BBRELAY_DRAIN_TIMEOUT", DrainTimeout, 3_600, DEFAULT_DRAIN_TIMEOUT_SECONDS);

  // A connection the command needs and the user gave no part of: named here, with the rest, rather than by a later
  // require*() one at a time (a user would fix RELAY_URL, then learn of RELAY_AGENT_TOKEN, then of BITBUCKET_URL).
  const requires = inputs.requires ?? [];
  if (requires.includes("relay") && raw.RELAY_URL === undefined && raw.RELAY_AGENT_TOKEN === undefined) {
    problem("RELAY_URL", MISSING_RELAY_URL);
    problem("RELAY_AGENT_TOKEN", "is not set: give the agent token the edge was given (AGENT_TOKEN)");
  }
  if (
    requires.includes("bitbucket") &&
    raw.BITBUCKET_URL === undefined &&
    bitbucket === null &&
    !problems.some((line) => line.startsWith("BITBUCKET_"))
  ) {
    problem("BITBUCKET_URL", MISSING_BITBUCKET_URL);
  }
  if (requires.includes("webhook-secret") && raw.RELAY_WEBHOOK_SECRET === undefined)
    problem("RELAY_WEBHOOK_SECRET", MISSING_WEBHOOK_SECRET);

  const gitops = gitopsSettings(raw.BBRELAY_GITOPS, raw.BBRELAY_GITOPS_FILES, problem);
  const files = inputs.files;
  if (files !== undefined) {
    const named: [string, string | undefined][] = [
      ["BBRELAY_CONFIG", files.mappingFlag ? undefined : raw.BBRELAY_CONFIG],
      ["BBRELAY_BLUEPRINTS", raw.BBRELAY_BLUEPRINTS],
    ];
    for (const [variable, value] of named) {
      if (value !== undefined && !files.exists(resolvePath(value)))
        problem(variable, `no file at ${resolvePath(value)}`);
    }
  }
  if (problems.length > 0) throw new ConfigError("environment", problems, "the environment");
  return {
    bitbucket,
    relay,
    port,
    catalogPath: raw.CATALOG_PATH === undefined ? defaultCatalogPath(inputs) : resolvePath(raw.CATALOG_PATH),
    mappingPath: raw.BBRELAY_CONFIG === undefined ? null : resolvePath(raw.BBRELAY_CONFIG),
    stateDir: raw.BBRELAY_STATE_DIR === undefined ? defaultStateDir(inputs) : resolvePath(raw.BBRELAY_STATE_DIR),
    installationId,
    blueprintsPath: raw.BBRELAY_BLUEPRINTS === undefined ? null : resolvePath(raw.BBRELAY_BLUEPRINTS),
    bitbucketIsVersion8Point7OrOlder: versionFlag === undefined ? null : versionFlag === "true",
    jqEnv,
    integration,
    resyncIntervalMinutes,
    aliasNotes: aliased.notes,
    jqTimeoutMs,
    listen: raw.BBRELAY_LISTEN ?? null,
    consoleToken: raw.BBRELAY_CONSOLE_TOKEN ?? null,
    bitbucketConcurrency,
    gitops,
    messageTimeoutMs,
    drainTimeoutMs,
  };
}

/** `BBRELAY_GITOPS` (true by default, as Port's Git integrations) and `BBRELAY_GITOPS_FILES` (default `port.yml`). */
function gitopsSettings(enabled: string | undefined, files: string | undefined, problem: Report): GitOpsSettings {
  const paths = (files ?? "port.yml")
    .split(",")
    .map((path) => path.trim().replace(/^\/+/, ""))
    .filter((path) => path !== "");
  if (paths.length === 0)
    problem("BBRELAY_GITOPS_FILES", "lists no file; unset it for port.yml, or set BBRELAY_GITOPS=false");
  if (paths.some((path) => path.split("/").includes("..")))
    problem("BBRELAY_GITOPS_FILES", "a path must stay inside the repository (no ..)");
  return { enabled: booleanSetting("BBRELAY_GITOPS", enabled, true, problem), files: paths };
}

function wholeNumber(name: string, value: string | undefined, fallback: number, problem: Report): number {
  if (value === undefined) return fallback;
  const number = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (Number.isSafeInteger(number) && number >= 1) return number;
  problem(name, "must be a whole number of seconds, 1 or more");
  return fallback;
}

function booleanSetting(name: string, value: string | undefined, fallback: boolean, problem: Report): boolean {
  const text = value?.toLowerCase();
  if (text === undefined) return fallback;
  if (text === "true" || text === "false") return text === "true";
  problem(name, "must be true or false");
  return fallback;
}

/**
 * The variables a mapping may read. Every name must be set (a mapping reading an unset one would quietly map
 * null), and the agent's own secrets are refused: a mapping would copy them into the catalog.
 */
function jqEnvironment(
  list: string | undefined,
  env: EnvironmentInputs["env"],
  problem: Report,
): Record<string, string> {
  const jqEnv: Record<string, string> = {};
  if (list === undefined) return jqEnv;
  for (const name of list
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")) {
    if (!VARIABLE_NAME.test(name))
      problem(
        "BBRELAY_JQ_ENV",
        `${JSON.stringify(name)} is not a variable name (letters, digits and _, not starting with a digit)`,
      );
    else if (SECRET_ENV_VARS.includes(name))
      problem("BBRELAY_JQ_ENV", `${name} is one of the agent's secrets; a mapping must not read it`);
    else if (env[name] === undefined || env[name] === "")
      problem("BBRELAY_JQ_ENV", `${name} is not set; set it or take it off the list`);
    else jqEnv[name] = env[name];
  }
  return jqEnv;
}

/**
 * `bitbucket.example.com`, `bitbucket.example.com_bitbucket` (a context path), `local` without Bitbucket: stable
 * for a server, distinct between servers.
 */
export function defaultInstallationId(bitbucketUrl: string | null): string {
  if (bitbucketUrl === null) return "local";
  const url = new URL(bitbucketUrl);
  const path = url.pathname.replace(/^\/+|\/+$/g, "").replace(/\//g, "_");
  const id = `${url.host}${path === "" ? "" : `_${path}`}`.replace(/[^A-Za-z0-9._@+=:-]/g, "-");
  return id.slice(0, 100);
}

/**
 * @returns the Bitbucket settings of a command that needs Bitbucket
 * @throws ConfigError when `BITBUCKET_URL` is not set
 */
export function requireBitbucket(environment: AgentEnvironment): BitbucketSettings {
  if (environment.bitbucket !== null) return environment.bitbucket;
  throw new ConfigError("environment", [`BITBUCKET_URL: ${MISSING_BITBUCKET_URL}`], "the environment");
}

/**
 * @returns the edge settings of a command that talks to the relay
 * @throws ConfigError when `RELAY_URL` is not set
 */
export function requireRelay(environment: AgentEnvironment): RelaySettings {
  if (environment.relay !== null) return environment.relay;
  throw new ConfigError("environment", [`RELAY_URL: ${MISSING_RELAY_URL} and RELAY_AGENT_TOKEN`], "the environment");
}

const MISSING_BITBUCKET_URL =
  "is not set: give the server's root URL (e.g. https://bitbucket.example.com) and credentials (BITBUCKET_TOKEN, or BITBUCKET_USERNAME and BITBUCKET_PASSWORD)";
const MISSING_RELAY_URL = "is not set: give the edge's URL";
export const MISSING_WEBHOOK_SECRET =
  "is not set: the webhooks must carry the tenant's webhook secret (the edge's WEBHOOK_SECRET, or the tenant's current secret in RELAY_TENANTS)";

type Report = (variable: string, message: string) => void;

function bitbucketSettings(raw: RawEnvironment, problem: Report): BitbucketSettings | null {
  const {
    BITBUCKET_URL: url,
    BITBUCKET_TOKEN: token,
    BITBUCKET_USERNAME: username,
    BITBUCKET_PASSWORD: password,
  } = raw;
  let auth: BitbucketAuth | null = null;
  if (token !== undefined && password !== undefined) {
    problem("BITBUCKET_PASSWORD", "set BITBUCKET_TOKEN or BITBUCKET_PASSWORD, not both");
  } else if (username !== undefined) {
    const secret = password ?? token;
    if (secret === undefined)
      problem("BITBUCKET_USERNAME", "needs BITBUCKET_PASSWORD (or an access token in BITBUCKET_TOKEN)");
    else auth = { kind: "basic", username, password: secret };
  } else if (password !== undefined) {
    problem("BITBUCKET_PASSWORD", "needs BITBUCKET_USERNAME");
  } else if (token !== undefined) {
    auth = { kind: "bearer", token };
  }

  if (url === undefined) {
    if (auth !== null)
      problem("BITBUCKET_URL", "is not set, but Bitbucket credentials are: give the server's root URL");
    return null;
  }
  const baseUrl = checkUrl("BITBUCKET_URL", url, problem, { httpAnywhere: true });
  if (baseUrl !== null && /\/rest(\/|$)/.test(new URL(baseUrl).pathname)) {
    problem(
      "BITBUCKET_URL",
      "must be the server's root URL (with its context path, if any), not a REST API URL: drop /rest/...",
    );
  }
  if (auth === null && !(username !== undefined || password !== undefined)) {
    problem(
      "BITBUCKET_URL",
      "is set without credentials: set BITBUCKET_TOKEN, or BITBUCKET_USERNAME and BITBUCKET_PASSWORD",
    );
  }
  return baseUrl === null || auth === null ? null : { baseUrl, auth };
}

function relaySettings(raw: RawEnvironment, problem: Report): RelaySettings | null {
  const tenant = raw.RELAY_TENANT ?? "default";
  if (!TENANT.test(tenant))
    problem(
      "RELAY_TENANT",
      "must be 1-63 lower-case letters, digits, _ or -, starting with a letter or digit (the edge's tenant names)",
    );
  if (raw.RELAY_URL === undefined) {
    if (raw.RELAY_AGENT_TOKEN !== undefined)
      problem("RELAY_URL", "is not set, but RELAY_AGENT_TOKEN is: give the edge's URL");
    return null;
  }
  const url = checkUrl("RELAY_URL", raw.RELAY_URL, problem, { httpAnywhere: false });
  if (raw.RELAY_AGENT_TOKEN === undefined)
    problem("RELAY_AGENT_TOKEN", "is not set, but RELAY_URL is: the edge refuses agents without it");
  return url === null || raw.RELAY_AGENT_TOKEN === undefined
    ? null
    : { url, tenant, agentToken: raw.RELAY_AGENT_TOKEN, webhookSecret: raw.RELAY_WEBHOOK_SECRET ?? null };
}

function portSettings(raw: RawEnvironment, problem: Report): PortSettings | null {
  const { PORT_CLIENT_ID: clientId, PORT_CLIENT_SECRET: clientSecret } = raw;
  const named = raw.PORT_BASE_URL?.toLowerCase();
  const baseUrl =
    named === "eu" || named === "us"
      ? PORT_BASE_URLS[named]
      : raw.PORT_BASE_URL === undefined
        ? PORT_BASE_URLS.eu
        : checkUrl("PORT_BASE_URL", raw.PORT_BASE_URL, problem, { httpAnywhere: false });
  if (clientId === undefined && clientSecret === undefined) return null;
  if (clientId === undefined)
    problem("PORT_CLIENT_ID", "is not set, but PORT_CLIENT_SECRET is: set both to write to Port");
  if (clientSecret === undefined)
    problem("PORT_CLIENT_SECRET", "is not set, but PORT_CLIENT_ID is: set both to write to Port");
  if (clientId === undefined || clientSecret === undefined || baseUrl === null) return null;
  return { clientId, clientSecret, baseUrl };
}

/**
 * An absolute http(s) URL without credentials, query or fragment, returned without its trailing slash.
 * Plain http is refused where a token travels over the internet (the edge, Port), except to loopback (tests,
 * tunnels); a Bitbucket Server inside the network often runs on http.
 */
function checkUrl(variable: string, text: string, problem: Report, options: { httpAnywhere: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    problem(variable, "is not an absolute URL (e.g. https://host or https://host/context-path)");
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    problem(variable, `must use https (or http), not ${url.protocol.slice(0, -1)}`);
    return null;
  }
  if (url.username !== "" || url.password !== "") {
    problem(variable, "must not contain credentials; use the credential variables instead");
    return null;
  }
  if (url.search !== "" || url.hash !== "") {
    problem(variable, "must not have a query string or a fragment");
    return null;
  }
  if (url.protocol === "http:" && !options.httpAnywhere && !isLoopback(url.hostname)) {
    problem(variable, "must use https: a token is sent to it (http is accepted for localhost only)");
    return null;
  }
  return url.href.replace(/\/+$/, "");
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
