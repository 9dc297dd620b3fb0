import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { ConfigError } from "../../../relay/config/config-error";
import { EdgeClient } from "../../../relay/edge/edge-client";
import { SIMULATION_LABEL } from "../../../scripts/bitbucket-simulator";
import { parseStartOptions, type StartOptions } from "../../../scripts/start-options";
import { type RunningPipeline, startPipeline } from "../../../scripts/start-pipeline";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay } from "../../support/cli-runner";
import { waitFor } from "../../support/live-fixture";
import { portIsFree } from "../../support/port-is-free";

/**
 * `npm start`'s pipeline for real, in this process: the bundled Worker in workerd, the simulated (or a "real")
 * Bitbucket Server delivering signed webhooks, `bbrelay run` and the local catalog, on free ports and in temporary
 * directories. Entities must arrive in the catalog live, and stopping must release everything.
 */

const ROOT = process.cwd();
const dir = mkdtempSync(join(tmpdir(), "bbrelay-start-pipeline-"));
const running: RunningPipeline[] = [];
const fakes: FakeBitbucketServer[] = [];

afterEach(async () => {
  for (const pipeline of running.splice(0)) await pipeline.stop();
  for (const fake of fakes.splice(0)) await fake.stop();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function options(
  name: string,
  argv: string[],
  env: Record<string, string> = {},
): StartOptions & { mode: "simulation" | "bitbucket" } {
  const common = ["--port", "0", "--secrets-file", join(dir, name, "dev.vars"), "--bundle-dir", join(dir, "bundle")];
  const parsed = parseStartOptions([...common, ...argv], env, ROOT);
  if (parsed === null || parsed.mode === "edge-only") throw new Error("expected the pipeline's options");
  return { ...parsed, mode: parsed.mode };
}

async function start(...args: Parameters<typeof startPipeline>): Promise<RunningPipeline> {
  const pipeline = await startPipeline(...args);
  running.push(pipeline);
  return pipeline;
}

function matchLine(lines: readonly string[], pattern: RegExp): RegExpExecArray | null {
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match !== null) return match;
  }
  return null;
}

async function lineMatching(lines: readonly string[], pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  await waitFor(() => matchLine(lines, pattern) !== null, timeoutMs, `a line matching ${pattern}`);
  const match = matchLine(lines, pattern);
  if (match === null) throw new Error(`no line matching ${pattern}`);
  return match;
}

function readCatalog(path: string | null) {
  if (path === null) throw new Error("the pipeline has no local catalog");
  const catalog = LocalCatalog.open({ path, readonly: true });
  return {
    pullRequest: (identifier: string) => catalog.get("bitbucketPullRequest", identifier),
    close: () => catalog.close(),
  };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("npm start's pipeline", () => {
  it("with no configuration: the simulation's instance after the first resync, then simulated changes arriving live", async () => {
    const lines: string[] = [];
    const pipeline = await start({
      options: options("simulation", ["--pace", "0.3", "--demo-dir", join(dir, "demo")]),
      env: {},
      version: "0.0.0-test",
      print: (line) => lines.push(...line.split("\n")),
      edgeOutput: "discard",
      pollMs: 100,
    });
    const fake = pipeline.simulator?.fake;
    if (fake === undefined) throw new Error("no simulator was started");
    const expected = new Map([
      ["bitbucketProject", fake.state.projects.size],
      [
        "bitbucketPullRequest",
        [...fake.state.repositories.values()].reduce((sum, repo) => sum + fake.state.pullRequestsOf(repo.id).length, 0),
      ],
      ["bitbucketRepository", fake.state.repositories.size],
      ["bitbucketUser", [...fake.state.users.values()].filter((user) => user.active).length],
      // The demo's repository files: a package.json per file (the file resource leaves archived repositories out)
      // and a service per port.yml (GitOps reads every repository).
      [
        "npmPackage",
        [...fake.state.repositories.values()]
          .filter((repo) => !repo.archived && repo.branches.size > 0)
          .flatMap((repo) =>
            ["package.json", "apps/web/package.json", "apps/admin/package.json"].map((path) =>
              fake.state.fileAt(repo, path),
            ),
          )
          .filter((content) => content !== undefined).length,
      ],
      [
        "service",
        [...fake.state.repositories.values()].filter(
          (repo) => repo.branches.size > 0 && fake.state.fileAt(repo, "port.yml") !== undefined,
        ).length,
      ],
    ]);

    const first = await pipeline.firstResync;
    // A pull request the simulation opens arrives in the catalog, and so does one it merges.
    const opened = await lineMatching(
      lines,
      /\[simulation\] opened (\S+)\/(\S+)#(\d+): 1 signed webhook \(pr:opened\) → edge 202/,
    );
    const [, projectKey = "", slug = "", id = ""] = opened;
    await lineMatching(
      lines,
      new RegExp(`catalog \\+ bitbucketPullRequest ${escape(`${projectKey}/${slug}/${id}`)}  "Simulated change \\d+"`),
    );
    // The agent's console, whose URL npm start prints, shows that change in its live feed.
    const [, consoleUrl = ""] = await lineMatching(lines, /^Console +(http:\/\/127\.0\.0\.1:\d+) /);
    await waitFor(
      async () =>
        (await (await fetch(`${consoleUrl}/sync`)).text()).includes(`pull-request:${projectKey}/${slug}/${id}`),
      30_000,
      "the opened pull request in the console's live feed",
    );
    const merged = await lineMatching(lines, /\[simulation\] merged (\S+)\/(\S+)#(\d+): 2 signed webhooks/);
    const mergedKey = `${merged[1] ?? ""}/${merged[2] ?? ""}/${merged[3] ?? ""}`;
    await lineMatching(
      lines,
      new RegExp(`catalog ~ bitbucketPullRequest ${escape(mergedKey)}  state "OPEN" → "MERGED"`),
    );
    // The simulated people edit repository files: a package.json bumped, a service declared in a port.yml and
    // removed again, each a push whose webhook goes through the edge; the entities follow live.
    const [, bumped = ""] = await lineMatching(lines, /\[simulation\] bumped (\S+\/package\.json) to 1\.1\.0 /);
    await lineMatching(lines, new RegExp(`catalog ~ npmPackage ${escape(bumped)}  version "1\\.0\\.0" → "1\\.1\\.0"`));
    const [, worker = ""] = await lineMatching(
      lines,
      /\[simulation\] declared (\S+) in \S+\/port\.yml \(a push to the default branch\): 1 signed webhook/,
    );
    await lineMatching(lines, new RegExp(`catalog \\+ service ${escape(worker)}  "${escape(worker)}"`));
    await lineMatching(lines, new RegExp(`\\[simulation\\] removed ${escape(worker)} from `));
    await lineMatching(lines, new RegExp(`catalog - service ${escape(worker)} `));
    // The pipeline's settings are in a file that bbrelay reads when told: status then sees this edge.
    const envFile = join(dir, "demo", "bbrelay.env");
    expect(lines).toContain(
      `  npx bbrelay status --env-file ${envFile}   (also doctor, resync, catalog export: the pipeline's settings)`,
    );
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const status = await bbrelay(["status", "--json", "--env-file", envFile], { env: {} });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ edge: { tenant: pipeline.edge.tenant } });
    // The simulation pauses and the edge drains: the catalog then holds what the simulated server holds.
    await pipeline.simulator?.stopActivity();
    const edge = new EdgeClient({
      baseUrl: pipeline.edge.url,
      tenant: pipeline.edge.tenant,
      token: pipeline.edge.agentToken,
    });
    await waitFor(
      async () => {
        const stats = await edge.stats();
        return stats.backlog === 0 && stats.inFlight === 0;
      },
      30_000,
      "the edge to drain",
    );
    const catalog = readCatalog(pipeline.catalogPath);
    const [openedEntity, mergedEntity] = await Promise.all([
      catalog.pullRequest(`${projectKey}/${slug}/${id}`),
      catalog.pullRequest(mergedKey),
    ]);
    await catalog.close();
    const ports = { edge: pipeline.edge.edge.port, simulator: Number(new URL(fake.url).port) };
    const code = await pipeline.stop();

    expect(first).toMatchObject({
      status: "succeeded",
      counts: expected,
      tally: { created: [...expected.values()].reduce((a, b) => a + b, 0), updated: 0, deleted: 0 },
    });
    expect(lines).toContain(
      `Webhooks in the simulated Bitbucket Server ${SIMULATION_LABEL} (at start): ${fake.state.projects.size} created, 0 updated, 0 unchanged`,
    );
    expect(lines.some((line) => line.startsWith("First resync succeeded in"))).toBe(true);
    const pullRequest = (key: string, repositorySlug: string, pullRequestId: string) => {
      const repository = fake.state.repositoryBySlug(key, repositorySlug);
      return repository === undefined ? undefined : fake.state.pullRequest(repository.id, Number(pullRequestId));
    };
    const openedNow = pullRequest(projectKey, slug, id);
    const mergedNow = pullRequest(merged[1] ?? "", merged[2] ?? "", merged[3] ?? "");
    expect(openedEntity).toMatchObject({ title: openedNow?.title, properties: { state: openedNow?.state } });
    expect(mergedNow?.state).toBe("MERGED");
    expect(mergedEntity).toMatchObject({ title: mergedNow?.title, properties: { state: "MERGED" } });
    expect(lines.filter((line) => line.includes(fake.url)).every((line) => line.includes(SIMULATION_LABEL))).toBe(true);
    expect(code).toBe(0);
    expect(await portIsFree(ports.edge)).toBe(true);
    expect(await portIsFree(ports.simulator)).toBe(true);
  }, 180_000);

  it("with BITBUCKET_URL and credentials: that server instead of the simulation, webhooks installed pointing at the edge", async () => {
    const server = await FakeBitbucketServer.start();
    fakes.push(server);
    server.generate({
      seed: 3,
      projects: 2,
      repositories: 3,
      pullRequests: 4,
      users: 3,
      archivedRatio: 0,
      emptyRatio: 0,
    });
    const env = {
      BITBUCKET_URL: server.url,
      BITBUCKET_USERNAME: FAKE_ADMIN.username,
      BITBUCKET_PASSWORD: FAKE_ADMIN.password,
      CATALOG_PATH: join(dir, "real", "catalog.sqlite"),
      BBRELAY_STATE_DIR: join(dir, "real", "state"),
    };
    const lines: string[] = [];
    const pipeline = await start({
      options: options("real", ["--state-dir", join(dir, "real", "edge")], env),
      env,
      version: "0.0.0-test",
      print: (line) => lines.push(...line.split("\n")),
      edgeOutput: "discard",
      pollMs: 100,
    });

    const first = await pipeline.firstResync;
    const [repository] = [...server.state.repositories.values()];
    if (repository === undefined) throw new Error("no repository generated");
    const projectKey = server.state.requireProject(repository.projectId).key;
    const opened = await server.mutations.openPullRequest({
      projectKey,
      repositorySlug: repository.slug,
      title: "Opened on the real server",
      fromBranch: "feature/real",
    });
    const identifier = `${projectKey}/${repository.slug}/${opened.value.id}`;
    await lineMatching(
      lines,
      new RegExp(`catalog \\+ bitbucketPullRequest ${escape(identifier)}  "Opened on the real server"`),
    );
    const hooks = [...server.state.webhooks.values()];
    const code = await pipeline.stop();

    expect(pipeline.simulator).toBeNull();
    expect(pipeline.catalogPath).toBe(env.CATALOG_PATH);
    expect(pipeline.agentLogFile).toBe(join(env.BBRELAY_STATE_DIR, "agent.log"));
    expect(first.status).toBe("succeeded");
    expect(opened.deliveries.map((delivery) => delivery.status)).toEqual([202]);
    expect(hooks.map((hook) => hook.url)).toEqual([pipeline.edge.webhookUrl, pipeline.edge.webhookUrl]);
    expect(lines.some((line) => line.includes(SIMULATION_LABEL))).toBe(false);
    expect(lines).toContain(
      `Webhooks: the agent installs them in ${server.url} pointing at ${pipeline.edge.webhookUrl}.`,
    );
    expect(lines.some((line) => line.includes("npm start -- --host 0.0.0.0 --port 8787 --public-url https://"))).toBe(
      true,
    );
    expect(code).toBe(0);
  }, 180_000);

  it("with BITBUCKET_URL but no credentials: every problem reported before anything starts", async () => {
    const env = { BITBUCKET_URL: "https://bitbucket.example.com/rest/api/1.0", BITBUCKET_PASSWORD: "p" };

    const started = startPipeline({
      options: options("bad", [], env),
      env,
      version: "0.0.0-test",
      print: () => undefined,
    });

    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(
      /BITBUCKET_PASSWORD: needs BITBUCKET_USERNAME[\s\S]*BITBUCKET_URL: must be the server's root URL/,
    );
  });

  it("names --public-url, never RELAY_URL (which the user did not set), when the public URL cannot serve", async () => {
    const env = {
      BITBUCKET_URL: "https://bitbucket.example.com",
      BITBUCKET_TOKEN: "t",
      CATALOG_PATH: join(dir, "public", "catalog.sqlite"),
    };

    const started = startPipeline({
      options: options("public", ["--public-url", "http://tunnel.example.com"], env),
      env,
      version: "0.0.0-test",
      print: () => undefined,
    });

    await expect(started).rejects.toThrow(/--public-url: /);
    await expect(started).rejects.not.toThrow(/RELAY_URL/);
  });
});
