import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { ConfigError } from "../relay/config/config-error";
import { loadEnvironment } from "../relay/config/environment";
import { type BitbucketSimulator, SIMULATION_LABEL, startBitbucketSimulator } from "./bitbucket-simulator";
import { writeDemoMapping } from "./demo-repository-files";
import { startInProcessAgent } from "./in-process-agent";
import { LiveConsole, type ResyncOutcome } from "./live-console";
import type { LocalEdge } from "./local-edge";
import { type BannerFacts, describePipeline, formatSeconds } from "./start-banner";
import { startEdgeFor } from "./start-edge";
import type { StartOptions } from "./start-options";

/**
 * `npm start`'s main job on one machine: the edge in local workerd, Bitbucket (the simulation, or the real server
 * when BITBUCKET_URL is set), `bbrelay run` wired to both and to the catalog, and the live console showing entities
 * as they arrive. `stop()` stops it all in the order that loses nothing: the simulated changes, the agent (it
 * finishes what is in flight and acks it), then the servers; it resolves with the agent's exit code.
 *
 * The simulation starts fresh each time (catalog, agent state, edge queues and log under `demoDir`): the simulated
 * server lives in memory and is regenerated at each start, so state kept from an earlier run would only describe
 * changes that no longer exist. With a real server, state is kept where the agent keeps it (`CATALOG_PATH`, else
 * the XDG data directory; its state and log in BBRELAY_STATE_DIR, else the XDG state directory; the edge's queues in
 * `.wrangler/state/bbrelay-dev`): a restart resumes.
 */

export interface PipelineOptions {
  options: StartOptions & { mode: "simulation" | "bitbucket" };
  /** The process environment: Bitbucket, Port and catalog settings for a real server; the edge's secret overrides. */
  env: Readonly<Record<string, string | undefined>>;
  /** The agent's version. */
  version: string;
  print: (line: string) => void;
  /** Where the Worker's own console output goes. Default: this process's. */
  edgeOutput?: "inherit" | "discard";
  /** Milliseconds between looks at the catalog. */
  pollMs?: number;
}

export interface RunningPipeline {
  readonly edge: LocalEdge;
  readonly simulator: BitbucketSimulator | null;
  readonly catalogPath: string | null;
  readonly agentLogFile: string;
  /** The agent's first resync (rejects when the agent stops before it finished). */
  readonly firstResync: Promise<ResyncOutcome>;
  /** The agent's exit code when it stops: by `stop()`, or by itself (a configuration error, the edge refusing it). */
  readonly agentExited: Promise<number>;
  /** Stops everything; resolves with the agent's exit code. Calling it again returns the same promise. */
  stop(): Promise<number>;
}

export async function startPipeline(pipeline: PipelineOptions): Promise<RunningPipeline> {
  const { options, print } = pipeline;
  // A real server's settings are checked before anything starts, every problem at once.
  const real = options.mode === "bitbucket" ? realServerSettings(pipeline) : null;
  if (real === null) clearDemo(options);
  const catalogPath = real === null ? join(options.demoDir, "catalog.sqlite") : real.catalogPath;
  const agentLogFile = join(real === null ? options.demoDir : real.stateDir, "agent.log");
  const liveConsole = new LiveConsole({
    print,
    catalogPath,
    bitbucketName: real === null ? `the simulated Bitbucket Server ${SIMULATION_LABEL}` : real.bitbucketUrl,
    ...(pipeline.pollMs === undefined ? {} : { pollMs: pipeline.pollMs }),
  });

  const edge = await startEdgeFor(options, {
    ...(real === null ? { defaultStateDir: join(options.demoDir, "edge") } : {}),
    overrides: { WEBHOOK_SECRET: pipeline.env.WEBHOOK_SECRET, AGENT_TOKEN: pipeline.env.AGENT_TOKEN },
    output: pipeline.edgeOutput ?? "inherit",
  });
  let source: BitbucketSource;
  try {
    source =
      real === null
        ? {
            kind: "simulation",
            simulator: await startBitbucketSimulator({
              intervalMs: options.paceMs,
              seed: options.seed,
              onStep: (step) => liveConsole.simulatorStep(step),
            }),
          }
        : { kind: "real", settings: real };
  } catch (error) {
    await edge.stop();
    throw error;
  }
  const simulator = source.kind === "simulation" ? source.simulator : null;

  const agentEdgeUrl = options.publicUrl ?? loopbackUrlOf(edge);
  const relayEnv = {
    RELAY_URL: agentEdgeUrl,
    RELAY_TENANT: edge.tenant,
    RELAY_AGENT_TOKEN: edge.agentToken,
    RELAY_WEBHOOK_SECRET: edge.webhookSecret,
  };
  const agentEnv: Record<string, string> = { ...agentEnvironmentOf(source, pipeline), ...relayEnv };
  const envFile = writeEnvFile(join(real === null ? options.demoDir : real.stateDir, "bbrelay.env"), agentEnv);
  print(
    describePipeline({
      root: options.root,
      edge,
      envFile,
      agentEdgeUrl,
      agentLogFile,
      catalogPath,
      portUrl: real?.portUrl ?? null,
      bitbucket: bannerFactsOf(source, options),
    }),
  );
  print("");
  print(
    `Starting the agent; ${simulator === null ? "catalog changes are shown as they arrive" : `the ${SIMULATION_LABEL} changes begin after its first resync`}. Ctrl+C stops everything.`,
  );

  // After the env file: it is for the user's own bbrelay commands, which keep bbrelay run's default.
  agentEnv.BBRELAY_LISTEN ??= await consoleAddressOf(options);
  const agent = startInProcessAgent({
    env: agentEnv,
    cwd: options.root,
    version: pipeline.version,
    logFile: agentLogFile,
    onLine: (line) => liveConsole.agentLine(line),
  });
  let stopping: Promise<number> | null = null;
  if (simulator !== null) {
    void liveConsole.firstResync.then(
      () => {
        if (stopping !== null) return;
        print(
          `Live: ${SIMULATION_LABEL} one change every ${formatSeconds(options.paceMs)}; each catalog change is shown as it arrives.`,
        );
        simulator.startActivity();
      },
      () => undefined,
    );
  }
  return {
    edge,
    simulator,
    catalogPath,
    agentLogFile,
    firstResync: liveConsole.firstResync,
    agentExited: agent.exited,
    stop() {
      stopping ??= (async () => {
        liveConsole.stopping();
        await simulator?.stopActivity();
        const code = await agent.stop();
        liveConsole.finish(code);
        await simulator?.stop();
        await edge.stop();
        return code;
      })();
      return stopping;
    },
  };
}

type BitbucketSource =
  | { kind: "simulation"; simulator: BitbucketSimulator }
  | { kind: "real"; settings: RealServerSettings };

/**
 * The agent's environment but for the relay's variables: the simulation's own (nothing from this process's
 * environment, so stray settings cannot send the demo elsewhere), or the process's, as `bbrelay run` would see it.
 */
/** The variables the agent reads (bbrelay's, Port's, Ocean's aliases), not the rest of a shell's environment. */
const AGENT_VARIABLE = /^(BITBUCKET_|RELAY_|PORT_|BBRELAY_|OCEAN__|CATALOG_PATH$)/;

/**
 * Writes the agent's connection settings as `KEY=value` lines (what `bbrelay --env-file` reads), readable by this
 * user only (it holds the agent token and credentials), so that `bbrelay status` or `doctor` can look at this
 * pipeline. @returns the file's path
 */
function writeEnvFile(path: string, env: Readonly<Record<string, string>>): string {
  const lines = Object.entries(env)
    .filter(([name, value]) => AGENT_VARIABLE.test(name) && !value.includes("\n"))
    .map(([name, value]) => `${name}=${value}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    `# bbrelay settings of the pipeline npm start runs; read with: npx bbrelay status --env-file ${path}\n${lines.join("\n")}\n`,
    { mode: 0o600 },
  );
  chmodSync(path, 0o600);
  return path;
}

function agentEnvironmentOf(source: BitbucketSource, pipeline: PipelineOptions): Record<string, string> {
  if (source.kind === "real") return definedOnly(pipeline.env);
  const { demoDir } = pipeline.options;
  mkdirSync(demoDir, { recursive: true });
  return {
    // The built-in mapping plus a file resource for package.json files, and the blueprints they need.
    ...writeDemoMapping(demoDir),
    BITBUCKET_URL: source.simulator.url,
    BITBUCKET_USERNAME: source.simulator.username,
    BITBUCKET_PASSWORD: source.simulator.password,
    CATALOG_PATH: join(demoDir, "catalog.sqlite"),
    BBRELAY_STATE_DIR: join(demoDir, "state"),
    BBRELAY_INSTALLATION_ID: "simulation",
  };
}

function bannerFactsOf(source: BitbucketSource, options: StartOptions): BannerFacts["bitbucket"] {
  if (source.kind === "real") return { kind: "real", url: source.settings.bitbucketUrl, publicUrl: options.publicUrl };
  const { simulator } = source;
  return {
    kind: "simulation",
    url: simulator.url,
    username: simulator.username,
    password: simulator.password,
    paceMs: options.paceMs,
  };
}

interface RealServerSettings {
  bitbucketUrl: string;
  catalogPath: string | null;
  portUrl: string | null;
  /** The agent's state directory (BBRELAY_STATE_DIR, else the XDG state directory): its log goes there too. */
  stateDir: string;
}

/** @throws ConfigError (from the agent's own validation) naming every problem of the environment */
function realServerSettings(pipeline: PipelineOptions): RealServerSettings {
  // The relay's variables are this command's to set; stand-ins let the rest be validated before the edge starts,
  // with --public-url in RELAY_URL's place so that its problems come out with the others.
  const env = {
    ...pipeline.env,
    RELAY_URL: pipeline.options.publicUrl ?? "http://127.0.0.1:8787",
    RELAY_TENANT: "default",
    RELAY_AGENT_TOKEN: "placeholder-token",
    RELAY_WEBHOOK_SECRET: "placeholder-secret",
  };
  let environment: ReturnType<typeof loadEnvironment>;
  try {
    environment = loadEnvironment({ env, cwd: pipeline.options.root, homeDir: homedir() });
  } catch (error) {
    // RELAY_URL is this command's to set: a problem with it is a problem with the flag the user gave.
    if (!(error instanceof ConfigError)) throw error;
    const problems = error.problems.map((problem) => problem.replace(/^RELAY_URL\b/, "--public-url"));
    throw new ConfigError(error.kind, problems, error.source);
  }
  if (environment.bitbucket === null) throw new Error("BITBUCKET_URL is set but was not read");
  return {
    bitbucketUrl: environment.bitbucket.baseUrl,
    catalogPath: environment.port === null ? environment.catalogPath : null,
    portUrl: environment.port?.baseUrl ?? null,
    stateDir: environment.stateDir,
  };
}

/**
 * Where the agent's console listens when BBRELAY_LISTEN does not say: 127.0.0.1:9464 (bbrelay run's default), or any
 * free port with `--port 0` or when 9464 is taken (another agent, another npm start): the demo must not fail for it,
 * and the URL is printed either way.
 */
async function consoleAddressOf(options: StartOptions): Promise<string> {
  if (options.port === 0) return "127.0.0.1:0";
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(9464, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
  return free ? "127.0.0.1:9464" : "127.0.0.1:0";
}

/** The edge as this machine reaches it: Miniflare reports a wildcard host (`--host 0.0.0.0`) as is. */
function loopbackUrlOf(edge: LocalEdge): string {
  const url = new URL(edge.url);
  if (url.hostname === "0.0.0.0" || url.hostname === "[::]") url.hostname = "127.0.0.1";
  return url.href.replace(/\/+$/, "");
}

/** Removes what an earlier simulation left (only the files it makes, whatever else `demoDir` holds). */
function clearDemo(options: StartOptions): void {
  for (const name of [
    "catalog.sqlite",
    "catalog.sqlite-wal",
    "catalog.sqlite-shm",
    "mapping.yml",
    "blueprints.json",
    "state",
    "agent.log",
    ...(options.stateDir === undefined ? ["edge"] : []),
  ]) {
    rmSync(join(options.demoDir, name), { recursive: true, force: true });
  }
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
