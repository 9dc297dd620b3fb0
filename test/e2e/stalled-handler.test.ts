import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MAPPING_YAML } from "../../relay/config/default-mapping";
import type { FakeBitbucketServer } from "../fakes/bitbucket-server/index";
import { type LiveFixture, startLiveFixture, waitFor } from "../support/live-fixture";

/**
 * A message whose handling does not end (issue 10): through the real edge, a Bitbucket read that hangs is
 * dead-lettered at its time bound and the pull request's later event goes on; and the real `bbrelay` process
 * (the built bin) stops on SIGTERM within its drain timeout while a mapping runs, giving the message back.
 */

const BIN = resolve("bin/bbrelay.js");
const INSTANCE = { seed: 31, projects: 1, repositories: 2, pullRequests: 3, users: 2, emptyRatio: 0, archivedRatio: 0 };
const fixtures: LiveFixture[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const started of fixtures.splice(0)) await started.close();
});

function repositoryOf(fake: FakeBitbucketServer) {
  const repository = [...fake.state.repositories.values()].find((candidate) => candidate.branches.size > 0);
  if (repository === undefined) throw new Error("no repository with commits");
  return { projectKey: fake.state.requireProject(repository.projectId).key, repositorySlug: repository.slug };
}

/** The built-in mapping, except that a pull request titled "slow" maps its description with a jq loop that never ends. */
function mappingFile(slow: boolean): string {
  const file = join(mkdtempSync(join(tmpdir(), "bbrelay-stalled-")), "mapping.yaml");
  const yaml = slow
    ? DEFAULT_MAPPING_YAML.replace(
        "            description: .description\n            state: .state\n            draft: .draft\n",
        '            description: if .title == "slow" then until(false; .) else .description end\n            state: .state\n            draft: .draft\n',
      )
    : DEFAULT_MAPPING_YAML;
  if (slow && yaml === DEFAULT_MAPPING_YAML) throw new Error("the built-in mapping changed: no description field");
  writeFileSync(file, yaml);
  return file;
}

interface Agent {
  child: ChildProcess;
  output: () => string;
}

function spawnAgent(env: Record<string, string>): Agent {
  const child = spawn(process.execPath, [BIN, "run", "--lease-timeout", "2", "--log-format", "json"], {
    env: { ...process.env, ...env, HOME: process.env.HOME ?? "/tmp" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((done) => child.once("exit", (code) => done(code)));
}

describe("a message whose handling does not end", () => {
  it("is dead-lettered at its time bound (a Bitbucket read that hangs), and the pull request's later event goes on", async () => {
    const live = await startLiveFixture();
    fixtures.push(live);
    live.env.BBRELAY_MESSAGE_TIMEOUT = "2";
    live.fake.generate(INSTANCE);
    const agent = live.startAgent();
    await live.waitFirstResync();
    const repo = repositoryOf(live.fake);
    // The next read of one pull request never answers (the client would wait 30 s per attempt).
    live.fake.faults.add({ method: "GET", path: /\/pull-requests\/\d+$/, nth: 1, action: { type: "hang" } });

    const opened = await live.fake.mutations.openPullRequest({ ...repo, title: "Hangs", fromBranch: "feature/hang" });
    await live.fake.mutations.updatePullRequest({ ...repo, pullRequestId: opened.value.id, title: "Then renamed" });
    await live.waitDrained(20_000);

    const { deadLetters } = await live.edgeClient.deadLetters();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      eventKey: "pr:opened",
      reason: expect.stringContaining("no outcome within 2 s (BBRELAY_MESSAGE_TIMEOUT)"),
    });
    expect(live.entities().find((entity) => entity.title === "Then renamed")).toBeDefined();
    expect((await agent.stop()).code).toBe(0);
  }, 120_000);

  it("does not keep `bbrelay run` from stopping on SIGTERM within its drain timeout, and is leased again later", async () => {
    const live = await startLiveFixture();
    fixtures.push(live);
    live.fake.generate(INSTANCE);
    const first = spawnAgent({
      ...live.env,
      BBRELAY_CONFIG: mappingFile(true),
      // The mapping may run for ten minutes: only the stop can end it.
      BBRELAY_JQ_TIMEOUT_MS: "600000",
      BBRELAY_DRAIN_TIMEOUT: "2",
    });
    await live.waitFirstResync(90_000);
    const repo = repositoryOf(live.fake);
    const opened = await live.fake.mutations.openPullRequest({ ...repo, title: "slow", fromBranch: "feature/slow" });
    const read = `/pull-requests/${opened.value.id}`;
    await waitFor(
      () => live.fake.requests.entries.some((entry) => entry.path.endsWith(read)),
      30_000,
      "the agent to read the pull request and start mapping it",
    );
    await waitFor(async () => (await live.stats()).inFlight === 1, 30_000, "the event in flight");

    const signalled = Date.now();
    first.child.kill("SIGTERM");
    const code = await exited(first.child);
    const stoppedInMs = Date.now() - signalled;

    expect(code).toBe(0);
    // The drain timeout (2 s), a second for handlers to answer the abort, the last ack call and the exit.
    expect(stoppedInMs).toBeLessThan(10_000);
    const lines = first.output().trim().split("\n");
    expect(JSON.parse(lines.at(-1) ?? "{}")).toMatchObject({ msg: "Agent stopped" });
    expect(first.output()).toContain("Releasing the messages whose handlers did not stop in time");
    // Given back, not lost: waiting, or taken by the long-poll the stopped agent left behind (local workerd does not
    // tell the edge that its caller went away), which the next run of the same agent gets back at once.
    const afterStop = await live.stats();
    expect(afterStop.backlog + afterStop.inFlight).toBe(1);
    expect(afterStop).toMatchObject({ deadLetters: 0, counters: { retried: 1, dead: 0 } });

    const second = spawnAgent({ ...live.env, BBRELAY_CONFIG: mappingFile(false) });
    await live.waitDrained(60_000);
    const identifier = `${repo.projectKey}/${repo.repositorySlug}/${opened.value.id}`;
    expect(live.entities().find((entity) => entity.identifier === identifier)?.title).toBe("slow");
    expect((await live.stats()).deadLetters).toBe(0);
    second.child.kill("SIGTERM");
    expect(await exited(second.child)).toBe(0);
  }, 240_000);
});
