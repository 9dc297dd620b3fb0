import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { UsageError } from "../relay/cli/errors";
import { DEFAULT_EDGE_PORT } from "./local-edge";

/**
 * `npm start`'s options. What runs depends on the environment, so that `npm install && npm start` needs nothing:
 * - `simulation` (no `BITBUCKET_URL`): the edge, a simulated Bitbucket Server with demo data, the agent and a local
 *   catalog, all fresh at each start;
 * - `bitbucket` (`BITBUCKET_URL` and credentials set): the same with the real server instead of the simulation;
 * - `edge-only` (`--edge-only`): the edge alone, for an agent run elsewhere.
 */

export type StartMode = "simulation" | "bitbucket" | "edge-only";

export interface StartOptions {
  mode: StartMode;
  /** The repository root; relative paths are resolved against it. */
  root: string;
  host: string | undefined;
  /** 0: any free port. */
  port: number;
  stateDir: string | undefined;
  secretsFile: string | undefined;
  bundleDir: string | undefined;
  /** The simulation's catalog, agent state, edge queues and agent log (recreated at each start). */
  demoDir: string;
  /** Milliseconds between simulated changes. */
  paceMs: number;
  /** Seeds the simulated activity. */
  seed: number;
  /** The edge's URL as the Bitbucket server reaches it (a tunnel, a proxy), or null for the local URL. */
  publicUrl: string | null;
}

export const START_USAGE = `Usage: npm start [-- OPTIONS]

With no configuration: the edge (local workerd), a simulated Bitbucket Server with demo data delivering signed
webhooks, the agent (bbrelay run) and a local catalog; entities are shown as they arrive. With BITBUCKET_URL and
its credentials (BITBUCKET_TOKEN, or BITBUCKET_USERNAME and BITBUCKET_PASSWORD) set: the real server instead of
the simulation. Ctrl+C stops everything.

Options:
  --port N            the edge's port (default ${DEFAULT_EDGE_PORT}, or EDGE_PORT; 0: any free port, for the agent's console too)
  --host H            the edge's address (default 127.0.0.1; 0.0.0.0 to let other machines reach it)
  --state-dir DIR     the edge's queues (default: .tmp/demo/edge, fresh, in the simulation;
                      .wrangler/state/bbrelay-dev otherwise, kept between runs)
  --secrets-file FILE the development secrets (default .dev.vars, generated on the first run)
  --bundle-dir DIR    where the Worker is bundled (default .tmp/worker-dist)
  --edge-only         run the edge alone
  simulation:
  --demo-dir DIR      the simulation's catalog, agent state and log (default .tmp/demo; cleared at each start)
  --pace SECONDS      time between simulated changes (default 3)
  --seed N            seeds the simulated activity (default 1)
  real Bitbucket:
  --public-url URL    the edge's https URL as the Bitbucket server reaches it (a tunnel or a proxy to this
                      machine); the agent installs the webhooks with it
`;

const Port = z.coerce
  .number({ error: "must be a port number" })
  .int({ error: "must be a whole port number" })
  .min(0, { error: "must be 0 (any free port) to 65535" })
  .max(65_535, { error: "must be 0 (any free port) to 65535" });
const Pace = z.coerce
  .number({ error: "must be a number of seconds" })
  .min(0.05, { error: "must be at least 0.05 seconds" })
  .max(3_600, { error: "must be at most 3600 seconds" });
const Seed = z.coerce
  .number({ error: "must be a whole number" })
  .int({ error: "must be a whole number" })
  .min(0)
  .max(2 ** 32 - 1);
const PublicUrl = z.url({ protocol: /^https?$/, error: "must be an absolute http(s) URL" });

/**
 * @param argv the arguments after `npm start --`
 * @param env the process environment (only read, never kept)
 * @returns the options, or null when `--help` was asked (the usage is then printed by the caller)
 * @throws UsageError naming every problem
 */
export function parseStartOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  root: string,
): StartOptions | null {
  const values = parseFlags(argv);
  if (values.help === true) return null;

  const mode: StartMode =
    values["edge-only"] === true ? "edge-only" : nonEmpty(env.BITBUCKET_URL) ? "bitbucket" : "simulation";
  const problems: string[] = [];
  const check = <T>(flag: string, schema: z.ZodType<T>, raw: string | undefined, fallback: T): T => {
    if (raw === undefined) return fallback;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    problems.push(`${flag} ${parsed.error.issues[0]?.message ?? "is invalid"}, not "${raw}"`);
    return fallback;
  };
  const port = check(
    "--port",
    Port,
    values.port ?? (nonEmpty(env.EDGE_PORT) ? env.EDGE_PORT : undefined),
    DEFAULT_EDGE_PORT,
  );
  const paceSeconds = check("--pace", Pace, values.pace, 3);
  const seed = check("--seed", Seed, values.seed, 1);
  const publicUrl = check("--public-url", PublicUrl.nullable(), values["public-url"], null);

  const onlyFor = (names: readonly (keyof typeof values)[], wanted: StartMode, why: string) => {
    for (const name of names) if (values[name] !== undefined && mode !== wanted) problems.push(`--${name} ${why}`);
  };
  onlyFor(
    ["demo-dir", "pace", "seed"],
    "simulation",
    "is for the simulation; it does not apply with BITBUCKET_URL set or with --edge-only",
  );
  onlyFor(
    ["public-url"],
    "bitbucket",
    "is for a real Bitbucket Server (BITBUCKET_URL set): the simulated one runs on this machine",
  );
  if (problems.length > 0) throw new UsageError(problems.join("; "));

  return {
    mode,
    root,
    host: values.host,
    port,
    stateDir: values["state-dir"],
    secretsFile: values["secrets-file"],
    bundleDir: values["bundle-dir"],
    demoDir: resolve(root, values["demo-dir"] ?? ".tmp/demo"),
    paceMs: Math.round(paceSeconds * 1_000),
    seed,
    publicUrl: publicUrl === null ? null : publicUrl.replace(/\/+$/, ""),
  };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "state-dir": { type: "string" },
        "secrets-file": { type: "string" },
        "bundle-dir": { type: "string" },
        "edge-only": { type: "boolean" },
        "demo-dir": { type: "string" },
        pace: { type: "string" },
        seed: { type: "string" },
        "public-url": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}; run \`npm start -- --help\` for the options`,
    );
  }
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}
