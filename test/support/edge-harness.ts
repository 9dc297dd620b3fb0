import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Miniflare } from "miniflare";
import type { RelayTenantsInput } from "../../worker/config/tenants";
import { workerBundlePath } from "./worker-bundle";

/**
 * The edge, running for real: the bundled Worker (`.tmp/worker-dist/index.js`, what `wrangler deploy` would
 * upload) in Miniflare's workerd, on loopback HTTP. The agent's tests and `npm start` reuse it.
 *
 * Its Durable Object state always lives on disk (a temporary directory unless `persistDir` is given), so that
 * `restart()` behaves like an edge restart: same URL, same queues, fresh isolates and in-memory state.
 */

/** Must match wrangler.toml. */
const COMPATIBILITY_DATE = "2026-04-01";
const COMPATIBILITY_FLAGS = ["enable_request_signal"];
export const DEFAULT_CRON = "0 */6 * * *";

export type EdgeVars = Partial<
  Record<"MAX_BODY_BYTES" | "RETENTION_DAYS" | "BACKLOG_CAP" | "MAX_ATTEMPTS" | "VISIBILITY_TIMEOUT_MS", string>
>;

export interface EdgeHarnessOptions {
  /** The repository root (to find the bundle); default: the current directory. */
  root?: string;
  /** The bundled Worker; default `<root>/.tmp/worker-dist/index.js` (built by the node tests' global setup). */
  scriptPath?: string;
  /** The tenants, as the `RELAY_TENANTS` secret holds them. */
  tenants?: RelayTenantsInput;
  /** `WEBHOOK_SECRET` and `AGENT_TOKEN`: the tenant `default`. */
  webhookSecret?: string;
  agentToken?: string;
  /** `[vars]`; unset ones take the code's defaults. */
  vars?: EdgeVars;
  /** Keep the queues here (and leave them on `stop()`); default: a temporary directory removed on `stop()`. */
  persistDir?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port, kept across `restart()`. */
  port?: number;
  /** Where the Worker's console output goes; default: discarded. */
  output?: "discard" | "inherit";
}

export interface EdgeHarness {
  /** The base URL, without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** Stops the edge and starts it again on the same port with the same stored state. */
  restart(): Promise<void>;
  /** Runs the Worker's `scheduled()` handler, as the Cron Trigger would. */
  triggerCron(cron?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startEdge(options: EdgeHarnessOptions = {}): Promise<EdgeHarness> {
  const scriptPath = options.scriptPath ?? workerBundlePath(options.root ?? process.cwd());
  const ownsDir = options.persistDir === undefined;
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "bbrelay-edge-"));
  const host = options.host ?? "127.0.0.1";

  const bindings: Record<string, string> = { ...options.vars };
  if (options.tenants !== undefined) bindings.RELAY_TENANTS = JSON.stringify(options.tenants);
  if (options.webhookSecret !== undefined) bindings.WEBHOOK_SECRET = options.webhookSecret;
  if (options.agentToken !== undefined) bindings.AGENT_TOKEN = options.agentToken;

  const create = (port: number) =>
    new Miniflare({
      host,
      port,
      modules: true,
      scriptPath,
      // Module names are relative to this root; the bundle may live outside the current directory.
      modulesRoot: dirname(scriptPath),
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: COMPATIBILITY_FLAGS,
      durableObjects: { RELAY_QUEUE: { className: "RelayQueue", useSQLite: true } },
      durableObjectsPersist: join(persistDir, "durable-objects"),
      bindings,
      // Keep Miniflare off the network: the Request.cf object is the built-in fallback, never fetched.
      cf: false,
      unsafeTriggerHandlers: true,
      ...(options.output === "inherit" ? {} : { handleRuntimeStdio: discard }),
    });

  let mf = create(options.port ?? 0);
  const ready = await mf.ready.catch(async (error: unknown) => {
    // A runtime that failed to start still holds its process: release it before reporting.
    await mf.dispose().catch(() => undefined);
    if (ownsDir) rmSync(persistDir, { recursive: true, force: true });
    throw error;
  });
  const port = Number(ready.port);
  const url = `${ready.protocol}//${ready.host}`;
  let stopped = false;

  return {
    url,
    port,
    async restart() {
      await mf.dispose();
      mf = create(port);
      await mf.ready;
    },
    async triggerCron(cron = DEFAULT_CRON) {
      const worker = await mf.getWorker();
      const result = await worker.scheduled({ cron, scheduledTime: new Date() });
      if (result.outcome !== "ok") throw new Error(`the edge's scheduled() handler failed: ${result.outcome}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await mf.dispose();
      if (ownsDir) rmSync(persistDir, { recursive: true, force: true });
    },
  };
}

function discard(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream): void {
  stdout.resume();
  stderr.resume();
}
