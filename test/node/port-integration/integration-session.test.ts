import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type AgentContext, openAgentContext } from "../../../relay/agent/agent-context";
import { portHttpOf } from "../../../relay/catalog/port/port-http-of";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { EdgeClient } from "../../../relay/edge/edge-client";
import { LiveAgent } from "../../../relay/live/live-agent";
import { Logger } from "../../../relay/log/logger";
import { Redactor } from "../../../relay/log/redact";
import { type IntegrationLoop, integrationLoop } from "../../../relay/port-integration/integration-loop";
import { PortLogShipper } from "../../../relay/port-integration/port-log-shipper";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { FakePort } from "../../fakes/port/fake-port";
import { collector, fakeBitbucketEnv } from "../../support/cli-runner";

// `bbrelay run` as a Port integration, piece by piece over real HTTP: Port's config edits (valid and not), the
// Resync button, the resync states, the raw data examples and the scheduled interval. The edge is replaced by a
// list of the resyncs asked of it (coalescing there is the edge's own, tested with the edge).

const INSTALLATION = "bb-session";
const SECRET_LOOKING = "https://deploy:hunter2-secret@artifacts.example.com/repo ";

let bitbucket: FakeBitbucketServer;
let port: FakePort;
let dir: string;
let env: Record<string, string>;
let agent: AgentContext;
let live: LiveAgent;
let loop: IntegrationLoop;
let asked: string[];
let logText: () => string;
let clock: number;

function defaultConfig(): Record<string, unknown> {
  return parse(DEFAULT_MAPPING_YAML) as Record<string, unknown>;
}

/** The built-in mapping with the project's title changed, as a user would edit it in Port's editor. */
function editedConfig(title: string): Record<string, unknown> {
  const config = defaultConfig();
  const resources = config.resources as { kind: string; port: { entity: { mappings: { title: string } } } }[];
  const project = resources.find((resource) => resource.kind === "project");
  if (project === undefined) throw new Error("the built-in mapping has no project resource");
  project.port.entity.mappings.title = title;
  return config;
}

async function start(extraEnv: Record<string, string> = {}): Promise<void> {
  const logs = collector();
  logText = logs.text;
  const log = new Logger({
    stream: logs.stream,
    format: "json",
    level: "info",
    redactor: new Redactor().add(port.clientSecret),
  });
  env = {
    ...fakeBitbucketEnv(bitbucket.url, dir, FAKE_ADMIN),
    PORT_CLIENT_ID: port.clientId,
    PORT_CLIENT_SECRET: port.clientSecret,
    PORT_BASE_URL: port.url,
    BBRELAY_INSTALLATION_ID: INSTALLATION,
    ...extraEnv,
  };
  agent = await openAgentContext(
    { env, cwd: dir, log, signal: new AbortController().signal, version: "1.2.3" },
    { integration: "register", requires: ["bitbucket"] },
  );
  asked = [];
  clock = Date.parse("2026-12-06T12:00:00Z");
  loop = integrationLoop({
    agent,
    env,
    log,
    now: () => clock,
    requestResync: async (reason) => {
      asked.push(reason);
    },
    useMapping: (mapping) => live.useMapping(mapping),
  });
  // The drain loop is not started (nothing leases from this edge): the test runs the resyncs the edge would hand out.
  const edge = new EdgeClient({ baseUrl: "http://127.0.0.1:9", tenant: "default", token: "unused-agent-token" });
  live = new LiveAgent({ agent, edge, logger: log, ...loop.liveHooks });
}

async function tokenOf(fake: FakePort): Promise<string> {
  const response = await fetch(`${fake.url}/v1/auth/access_token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ clientId: fake.clientId, clientSecret: fake.clientSecret }),
  });
  const { accessToken } = (await response.json()) as { accessToken: string };
  return accessToken;
}

function states(): Record<string, unknown>[] {
  return port.integrations.states.map((state) => state.body);
}

beforeEach(async () => {
  bitbucket = await FakeBitbucketServer.start();
  port = await FakePort.start();
  dir = mkdtempSync(join(tmpdir(), "bbrelay-session-"));
});

afterEach(async () => {
  await agent?.close();
  await port.close();
  await bitbucket.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the mapping comes from Port", () => {
  it("puts a config edited in Port in force and asks for a resync that maps with it", async () => {
    bitbucket.generate({ seed: 7, projects: 2, repositories: 3, pullRequests: 2, users: 2 });
    await start();
    await live.resyncs.run(new AbortController().signal);
    const [project] = port.store.entities().filter((entity) => entity.blueprint === "bitbucketProject");
    expect(project?.title).not.toContain("(edited)");

    port.integrations.editConfig(INSTALLATION, editedConfig('.name + " (edited)"'));
    await loop.tick();

    expect(asked).toEqual(["the mapping changed in Port", "requested in Port"]);
    await live.resyncs.run(new AbortController().signal);
    const projects = port.store.entities().filter((entity) => entity.blueprint === "bitbucketProject");
    expect(projects).toHaveLength(2);
    expect(projects.every((entity) => entity.title?.endsWith(" (edited)"))).toBe(true);
    expect(loop.session?.configInForce).toEqual(editedConfig('.name + " (edited)"'));
  });

  it("keeps the mapping in force when Port's config becomes invalid, names every problem, deletes nothing", async () => {
    bitbucket.generate({ seed: 7, projects: 2, repositories: 3, pullRequests: 2, users: 2 });
    await start();
    await live.resyncs.run(new AbortController().signal);
    const before = port.store.entities().map((entity) => `${entity.blueprint}/${entity.identifier}/${entity.title}`);
    const broken = editedConfig(".name |");
    (broken.resources as { kind: string }[]).push({ kind: "tag" });

    port.integrations.editConfig(INSTALLATION, broken);
    await loop.tick();
    await loop.tick();

    expect(asked).toEqual(["requested in Port"]);
    expect(live.mapping).toBe(agent.mapping);
    const failed = states().filter((state) => state.status === "failed");
    expect(failed).toHaveLength(1);
    const errorLines = logText()
      .split("\n")
      .filter((line) => line.includes("is invalid; the mapping in force stays"));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain("resources[0].port.entity.mappings.title");
    expect(errorLines[0]).toContain("resources[4]");
    // The same line reaches Port's log for the integration, where its data-source page shows it.
    await loop.logs?.flush();
    const shipped = port.integrations.logMessages(INSTALLATION).filter((record) => record.level === "ERROR");
    expect(shipped.map((record) => record.message).join("\n")).toContain("is invalid; the mapping in force stays");
    // The resync Port's Save asked for runs with the mapping in force: the catalog is as it was.
    await live.resyncs.run(new AbortController().signal);
    expect(port.store.entities().map((entity) => `${entity.blueprint}/${entity.identifier}/${entity.title}`)).toEqual(
      before,
    );
  });

  it("with BBRELAY_MAPPING_SOURCE=file keeps the local mapping and ignores Port's editor, saying so at start", async () => {
    bitbucket.generate({ seed: 7, projects: 1, repositories: 1, pullRequests: 1, users: 1 });
    port.integrations.seed({
      installationId: INSTALLATION,
      installationAppType: "bitbucket-server",
      version: "1.2.3",
      config: editedConfig('"from Port"'),
    });
    await start({ BBRELAY_MAPPING_SOURCE: "file" });

    port.integrations.editConfig(INSTALLATION, editedConfig('"edited in Port"'));
    await loop.tick();
    await live.resyncs.run(new AbortController().signal);

    expect(agent.mappingSource).toBe("default");
    expect(logText()).toContain("edits in Port's data-source editor are ignored");
    const [project] = port.store.entities().filter((entity) => entity.blueprint === "bitbucketProject");
    expect(project?.title).not.toMatch(/Port/);
  });
});

describe("the Resync button and the schedule", () => {
  it("asks for one resync per press of Port's Resync button, and for one when Port's integration is patched empty", async () => {
    await start();
    await loop.tick();
    expect(asked).toEqual([]);

    clock += 60_000;
    port.integrations.pressResync(INSTALLATION);
    await loop.tick();
    await loop.tick();
    expect(asked).toEqual(["requested in Port"]);

    const patched = await fetch(`${port.url}/v1/integration/${INSTALLATION}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenOf(port)}` },
      body: "{}",
    });
    expect(patched.status).toBe(200);
    await loop.tick();
    expect(asked).toEqual(["requested in Port", "requested in Port"]);
  });

  it("schedules resyncs every BBRELAY_RESYNC_INTERVAL minutes from the start, reports them to Port, and records the next", async () => {
    await start({ BBRELAY_RESYNC_INTERVAL: "30" });
    const startedAt = clock;

    await loop.tick();
    expect(asked).toEqual([]);
    clock = startedAt + 30 * 60_000 + 5_000;
    await loop.tick();
    await loop.tick();
    expect(asked).toEqual(["scheduled every 30 min"]);

    await live.resyncs.run(new AbortController().signal);
    const next = new Date(startedAt + 60 * 60_000).toISOString();
    expect(states().at(-1)).toMatchObject({ status: "completed", intervalInMinuets: 30, nextResync: next });
    expect(JSON.parse(readFileSync(join(env.BBRELAY_STATE_DIR ?? "", "schedule.json"), "utf8"))).toMatchObject({
      intervalMinutes: 30,
      nextResyncAt: next,
    });
  });

  it("takes Port's own interval (spec.appSpec.scheduledResyncInterval) when BBRELAY_RESYNC_INTERVAL is unset", async () => {
    port.integrations.seed({
      installationId: INSTALLATION,
      installationAppType: "bitbucket-server",
      version: "1.2.3",
      config: defaultConfig(),
      spec: { appSpec: { scheduledResyncInterval: "2h" } },
    });
    await start();
    await loop.tick();
    expect(loop.scheduled.schedule.intervalMinutes).toBe(120);
  });
});

describe("resync states and raw data examples", () => {
  it("reports running then completed with the times, and sends at most 5 masked raw items per kind", async () => {
    const instance = bitbucket.generate({ seed: 9, projects: 7, repositories: 8, pullRequests: 9, users: 6 });
    const [first] = instance.projects;
    if (first === undefined) throw new Error("no project generated");
    first.description = `release notes at ${SECRET_LOOKING}and key AKIAABCDEFGHIJKLMNOP`;
    await start();

    const summary = await live.resyncs.run(new AbortController().signal);

    expect(summary.status).toBe("succeeded");
    expect(states().map((state) => state.status)).toEqual(["running", "completed"]);
    const [running, completed] = states();
    expect(running).toMatchObject({ lastResyncEnd: null, nextResync: null, intervalInMinuets: null });
    expect(Date.parse(String(running?.lastResyncStart))).toBeLessThanOrEqual(
      Date.parse(String(completed?.lastResyncEnd)),
    );
    for (const kind of ["project", "repository", "pull-request", "user"]) {
      const sent = port.requestsTo("POST", `/integration/${INSTALLATION}/kinds/${kind}/examples`);
      const items = sent.flatMap((request) => (request.body as { examples: unknown[] }).examples);
      expect(items.length, kind).toBe(5);
    }
    const projects = JSON.stringify(port.integrations.examples(INSTALLATION, "project"));
    expect(projects).toContain("[REDACTED]");
    expect(projects).not.toContain("hunter2");
    expect(projects).not.toContain("AKIAABCDEFGHIJKLMNOP");
    const repository = port.integrations.examples(INSTALLATION, "repository")[0];
    expect(repository).toHaveProperty("__readme");
  });

  it("sends no examples with BBRELAY_SEND_RAW_DATA_EXAMPLES=false", async () => {
    bitbucket.generate({ seed: 9, projects: 1, repositories: 1, pullRequests: 1, users: 1 });
    await start({ BBRELAY_SEND_RAW_DATA_EXAMPLES: "false" });
    const summary = await live.resyncs.run(new AbortController().signal);
    expect(summary.status).toBe("succeeded");
    expect(port.requests.filter((request) => request.path.endsWith("/examples"))).toEqual([]);
  });

  it("logs and ignores examples and states Port refuses: the resync still succeeds", async () => {
    bitbucket.generate({ seed: 9, projects: 1, repositories: 1, pullRequests: 1, users: 1 });
    await start();
    await fetch(`${port.url}/v1/integration/${INSTALLATION}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${await tokenOf(port)}` },
    });

    const summary = await live.resyncs.run(new AbortController().signal);

    expect(summary.status).toBe("succeeded");
    expect(port.requests.filter((request) => request.path.endsWith("/examples")).map((r) => r.status)).toContain(404);
    expect(logText()).toContain("Could not send raw data examples to Port; ignored");
    expect(logText()).toContain("Could not report the resync state to Port");
    expect(port.store.entities().length).toBeGreaterThan(0);
  });

  it("reports failed when a kind cannot be listed", async () => {
    bitbucket.generate({ seed: 9, projects: 1, repositories: 1, pullRequests: 1, users: 1 });
    await start();
    bitbucket.faults.add({ path: /\/projects$/, nth: 1, times: 100, action: { type: "status", status: 400 } });

    const summary = await live.resyncs.run(new AbortController().signal);

    expect(summary.status).not.toBe("succeeded");
    expect(states().map((state) => state.status)).toEqual(["running", "failed"]);
  });

  it("reports aborted when the agent stops in the middle of a resync", async () => {
    bitbucket.generate({ seed: 9, projects: 2, repositories: 4, pullRequests: 4, users: 2 });
    await start();
    const stop = new AbortController();
    bitbucket.faults.add({ path: /\/pull-requests$/, nth: 1, action: { type: "hang" } });
    const running = live.resyncs.run(stop.signal);
    // The repositories are done (their examples arrived) and the pull requests' listing hangs: stop now.
    while (port.requestsTo("POST", `/integration/${INSTALLATION}/kinds/repository/examples`).length === 0)
      await new Promise((resolve) => setTimeout(resolve, 10));
    stop.abort();

    const summary = await running;

    expect(summary.status).toBe("aborted");
    expect(states().map((state) => state.status)).toEqual(["running", "aborted"]);
    expect(states().at(-1)?.lastResyncEnd).toEqual(expect.any(String));
  });
});

describe("logs in Port", () => {
  it("ships the agent's lines, redacted, to the integration's log ingest URL in Ocean's record shape", async () => {
    await start();
    const log = agent.logger;

    log.warn({ detail: `token ${port.clientSecret}` }, "Something to see in Port");
    await loop.stop();

    const records = port.integrations.logMessages(INSTALLATION);
    const record = records.find((line) => line.message === "Something to see in Port");
    expect(record).toMatchObject({ level: "WARNING", extra: { detail: expect.stringContaining("redacted") } });
    expect(record?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(JSON.stringify(records)).not.toContain(port.clientSecret);
  });

  it("keeps a bounded buffer when the ingest cannot be reached, and logging never waits for it", async () => {
    await start();
    const errors: string[] = [];
    const shipper = new PortLogShipper({
      http: portHttpOf(
        { clientId: port.clientId, clientSecret: port.clientSecret, baseUrl: port.url },
        { userAgent: "test", log: agent.logger.child({}), maxAttempts: 1, requestTimeoutMs: 2_000 },
      ),
      ingestUrl: "http://127.0.0.1:9/logs/ingest/nowhere",
      maxBuffered: 10,
      batchSize: 1_000,
      onError: (message) => errors.push(message),
    });
    const detach = agent.logger.addSink(shipper.accept);

    for (let i = 0; i < 25; i++) agent.logger.info({ i }, "a line");
    detach();
    await shipper.flush();

    expect(shipper.buffered).toBe(10);
    expect(shipper.dropped).toBe(15);
    expect(shipper.shipped).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("could not ship 10 log lines to Port");
  });
});
