import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type LiveFixture, startLiveFixture, waitFor } from "../support/live-fixture";

/**
 * A crash loses nothing: the real `bbrelay` process (the built bin) is killed with SIGKILL while it holds leases;
 * its unacked messages come back after their visibility timeout and a new agent finishes them.
 */

const BIN = resolve("bin/bbrelay.js");
const fixtures: LiveFixture[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const started of fixtures.splice(0)) await started.close();
});

function spawnAgent(env: Record<string, string>, leaseTimeoutSeconds = 2): ChildProcess {
  const child = spawn(
    process.execPath,
    [BIN, "run", "--lease-timeout", String(leaseTimeoutSeconds), "--concurrency", "4", "--log-format", "json"],
    {
      env: { ...process.env, ...env, HOME: process.env.HOME ?? "/tmp" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((done) => child.once("exit", (code) => done(code)));
}

/**
 * Starts an agent, lets it lease six new pull-request events (slow Bitbucket answers keep the batch in flight), and
 * kills it with SIGKILL in the middle of the batch.
 */
async function crashMidBatch(options: {
  seed: number;
  leaseTimeoutSeconds?: number;
  title: string;
}): Promise<LiveFixture> {
  const live = await startLiveFixture({ fake: { latencyMs: 150 } });
  fixtures.push(live);
  live.fake.generate({
    seed: options.seed,
    projects: 1,
    repositories: 3,
    pullRequests: 4,
    users: 2,
    emptyRatio: 0,
    archivedRatio: 0,
  });
  const first = spawnAgent(live.env, options.leaseTimeoutSeconds);
  await live.waitFirstResync(90_000);
  const [repository] = [...live.fake.state.repositories.values()];
  if (repository === undefined) throw new Error("no repository");
  const projectKey = live.fake.state.requireProject(repository.projectId).key;
  for (let n = 0; n < 6; n++) {
    await live.fake.mutations.openPullRequest({
      projectKey,
      repositorySlug: repository.slug,
      title: `${options.title} ${n}`,
      fromBranch: `feature/${options.title}-${n}`,
    });
  }
  await waitFor(async () => (await live.stats()).inFlight > 0, 30_000, "the agent to lease the events");
  first.kill("SIGKILL");
  await exited(first);
  return live;
}

describe("an agent that crashes mid-batch", () => {
  it("loses nothing: its leases expire and the next agent processes the messages", async () => {
    const live = await crashMidBatch({ seed: 21, title: "crash" });
    const second = spawnAgent(live.env);
    await live.waitDrained(60_000);

    const stats = await live.stats();
    expect(stats.counters.expired).toBeGreaterThan(0);
    expect(stats.deadLetters).toBe(0);
    expect(live.entities()).toEqual(await live.oracle());
    second.kill("SIGTERM");
    expect(await exited(second)).toBe(0);
  }, 180_000);

  it("gets its leases back at once when it restarts: no wait for the visibility timeout (15 minutes here)", async () => {
    const live = await crashMidBatch({ seed: 22, leaseTimeoutSeconds: 900, title: "restart" });
    // Same state directory, so the same agent id: the crashed run's leases (15 minutes long) come back on its first call.
    const second = spawnAgent(live.env, 900);
    await live.waitDrained(60_000);

    const stats = await live.stats();
    expect(stats.counters.expired).toBeGreaterThan(0);
    expect(stats.deadLetters).toBe(0);
    expect(live.entities()).toEqual(await live.oracle());
    second.kill("SIGTERM");
    expect(await exited(second)).toBe(0);
  }, 180_000);
});
