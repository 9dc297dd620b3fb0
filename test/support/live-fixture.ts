import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BitbucketClient } from "../../relay/bitbucket/client";
import type { StoredEntity } from "../../relay/catalog/catalog";
import { LocalCatalog } from "../../relay/catalog/local/local-catalog";
import { loadMapping, type MappingSource } from "../../relay/config/mapping-loader";
import { EdgeClient } from "../../relay/edge/edge-client";
import { JqWasmEngine } from "../../relay/mapping/jq-wasm-engine";
import { AgentState } from "../../relay/state/agent-state";
import { runResync } from "../../relay/sync/resync";
import type { QueueStats } from "../../shared/protocol/schema";
import { FAKE_ADMIN, type FakeBitbucketOptions, FakeBitbucketServer } from "../fakes/bitbucket-server/index";
import type { FakePort } from "../fakes/port/fake-port";
import { bbrelay, type CliRun } from "./cli-runner";
import { type EdgeHarness, type EdgeVars, startEdge } from "./edge-harness";
import { DEFAULT_BLUEPRINTS, TEST_IDENTITY } from "./resync-fixture";
import { silentLogger } from "./silent-logger";

/**
 * The whole live path on loopback: the edge (the bundled Worker in workerd), a fake Bitbucket that delivers signed
 * webhooks to it, and `bbrelay run` (in-process, through the real CLI) writing a local catalog. The agent installs
 * its webhooks in the fake at start (RELAY_WEBHOOK_SECRET is set), as it does in production. `oracle()` is what
 * the catalog must hold: a fresh resync of the fake's current state into a separate catalog.
 */

export const WEBHOOK_SECRET = "e2e-webhook-secret-0123456789";
export const AGENT_TOKEN = "e2e-agent-token-0123456789abcdef";

export interface LiveFixtureOptions {
  fake?: FakeBitbucketOptions;
  edgeVars?: EdgeVars;
  /** A mapping file for the agent (default: the built-in mapping). */
  mappingFile?: string;
  /** Write to this fake Port instead of the local catalog. */
  port?: FakePort;
}

export interface RunningAgent {
  /** Sends SIGTERM's equivalent and waits for the exit code. */
  stop(): Promise<CliRun>;
  /** The console's base URL, once the agent logged it (it listens on a free loopback port). */
  consoleUrl(): Promise<string>;
}

/** An entity as compared: what the mapping produced, without the catalog's timestamps and datasource. */
export type Comparable = Pick<StoredEntity, "blueprint" | "identifier" | "title" | "team" | "properties" | "relations">;

export interface LiveFixture {
  edge: EdgeHarness;
  fake: FakeBitbucketServer;
  client: BitbucketClient;
  edgeClient: EdgeClient;
  env: Record<string, string>;
  dir: string;
  startAgent(extraArgs?: string[]): RunningAgent;
  stats(): Promise<QueueStats>;
  /** Waits (with a deadline) until the edge holds nothing undelivered nor in flight. */
  waitDrained(timeoutMs?: number): Promise<void>;
  /** The agent's catalog: the local one, or the fake Port's entities. */
  entities(): Comparable[];
  /** Waits until the agent acked its first resync (it asks for one at start) and the queue is drained. */
  waitFirstResync(timeoutMs?: number): Promise<void>;
  oracle(): Promise<Comparable[]>;
  close(): Promise<void>;
}

export async function startLiveFixture(options: LiveFixtureOptions = {}): Promise<LiveFixture> {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-live-"));
  const edge = await startEdge({
    webhookSecret: WEBHOOK_SECRET,
    agentToken: AGENT_TOKEN,
    ...(options.edgeVars === undefined ? {} : { vars: options.edgeVars }),
  });
  const fake = await FakeBitbucketServer.start(options.fake);
  const client = BitbucketClient.fromConfig({
    baseUrl: fake.url,
    auth: { kind: "basic", username: FAKE_ADMIN.username, password: FAKE_ADMIN.password },
  });
  const edgeClient = new EdgeClient({ baseUrl: edge.url, tenant: "default", token: AGENT_TOKEN });
  const env: Record<string, string> = {
    BITBUCKET_URL: fake.url,
    BITBUCKET_USERNAME: FAKE_ADMIN.username,
    BITBUCKET_PASSWORD: FAKE_ADMIN.password,
    RELAY_URL: edge.url,
    RELAY_AGENT_TOKEN: AGENT_TOKEN,
    RELAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
    CATALOG_PATH: join(dir, "catalog.sqlite"),
    BBRELAY_STATE_DIR: join(dir, "state"),
    BBRELAY_INSTALLATION_ID: TEST_IDENTITY.installationId,
    // Any free port: tests run side by side, and 9464 may be taken by a running agent.
    BBRELAY_LISTEN: "127.0.0.1:0",
    ...(options.mappingFile === undefined ? {} : { BBRELAY_CONFIG: options.mappingFile }),
    ...(options.port === undefined
      ? {}
      : {
          PORT_CLIENT_ID: options.port.clientId,
          PORT_CLIENT_SECRET: options.port.clientSecret,
          PORT_BASE_URL: options.port.url,
        }),
  };
  const port = options.port;
  const agents: RunningAgent[] = [];
  const fixture: LiveFixture = {
    edge,
    fake,
    client,
    edgeClient,
    env,
    dir,
    startAgent(extraArgs = []) {
      const controller = new AbortController();
      let output = "";
      const running = bbrelay(
        ["run", "--lease-timeout", "2", "--log-format", "json", "--log-level", "debug", ...extraArgs],
        {
          env,
          signal: controller.signal,
          onOutput: (chunk) => {
            output += chunk;
          },
        },
      );
      const agent: RunningAgent = {
        async stop() {
          controller.abort();
          return running;
        },
        async consoleUrl() {
          let url: string | undefined;
          await waitFor(
            () => {
              url = /"msg":"Console listening".*?"url":"([^"]+)"|"url":"([^"]+)".*?"msg":"Console listening"/
                .exec(output)
                ?.slice(1)
                .find((match) => match !== undefined);
              return url !== undefined;
            },
            30_000,
            "the agent's console to listen",
          );
          return url ?? "";
        },
      };
      agents.push(agent);
      return agent;
    },
    stats: () => edgeClient.stats(),
    async waitDrained(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const stats = await edgeClient.stats();
          return stats.backlog === 0 && stats.inFlight === 0 && !stats.resyncPending;
        },
        timeoutMs,
        "the edge's queue to drain",
      );
    },
    async waitFirstResync(timeoutMs = 60_000) {
      await waitFor(
        async () => {
          const stats = await edgeClient.stats();
          return stats.counters.acked >= 1 && stats.backlog === 0 && stats.inFlight === 0 && !stats.resyncPending;
        },
        timeoutMs,
        "the first resync",
      );
    },
    entities() {
      if (port !== undefined) return comparable(port.store.entities());
      const catalog = LocalCatalog.open({ path: env.CATALOG_PATH ?? "", readonly: true });
      try {
        return comparable(catalog.query({}));
      } finally {
        void catalog.close();
      }
    },
    async oracle() {
      const engine = new JqWasmEngine();
      const catalog = LocalCatalog.open({ path: ":memory:", identity: TEST_IDENTITY, blueprints: DEFAULT_BLUEPRINTS });
      const state = AgentState.open(":memory:");
      try {
        const source: MappingSource =
          options.mappingFile === undefined ? { kind: "default" } : { kind: "file", path: options.mappingFile };
        const mapping = await loadMapping({ source, engine });
        const summary = await runResync({ mapping, client, catalog, state, logger: silentLogger() });
        if (summary.status !== "succeeded")
          throw new Error(`the oracle resync failed: ${JSON.stringify(summary.kinds)}`);
        return comparable(catalog.query({}));
      } finally {
        state.close();
        await catalog.close();
        await engine.close();
      }
    },
    async close() {
      for (const agent of agents) await agent.stop();
      await fake.stop();
      await edge.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Polls with a deadline (never a blind sleep): resolves as soon as `check` holds. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function comparable(entities: StoredEntity[]): Comparable[] {
  return entities
    .map(({ blueprint, identifier, title, team, properties, relations }) => ({
      blueprint,
      identifier,
      title,
      team,
      properties,
      relations,
    }))
    .sort((a, b) => `${a.blueprint}/${a.identifier}`.localeCompare(`${b.blueprint}/${b.identifier}`));
}
