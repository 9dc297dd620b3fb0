import { afterEach, describe, expect, it } from "vitest";
import { bbrelay } from "../../support/cli-runner";
import { type LiveFixture, startLiveFixture, waitFor } from "../../support/live-fixture";
import { openPoisonPullRequests, poisonMappingFile } from "../../support/poison-mapping";

/** `bbrelay dead-letters` and `bbrelay resync --request` against the real edge, with a running agent. */

const INSTANCE = { seed: 9, projects: 2, repositories: 3, pullRequests: 4, users: 3, emptyRatio: 0, archivedRatio: 0 };
const fixtures: LiveFixture[] = [];

afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.close();
});

async function withDeadLetters(count: number) {
  const live = await startLiveFixture({ mappingFile: poisonMappingFile() });
  fixtures.push(live);
  live.fake.generate(INSTANCE);
  live.startAgent();
  await live.waitFirstResync();
  const poisoned = await openPoisonPullRequests(live.fake, count);
  await waitFor(async () => (await live.stats()).deadLetters === count, 30_000, `${count} dead letters`);
  const ids = (await live.edgeClient.deadLetters()).deadLetters.map((letter) => letter.id);
  return { live, poisoned, ids };
}

describe("bbrelay dead-letters", () => {
  it("lists them as JSON off a terminal and as a table on one", async () => {
    const { live, ids } = await withDeadLetters(2);

    const asJson = await bbrelay(["dead-letters", "list"], { env: live.env });
    const asTable = await bbrelay(["dead-letters", "list"], { env: live.env, tty: true });

    expect(asJson.code).toBe(0);
    const listed = JSON.parse(asJson.stdout) as { id: string; eventKey: string; reason: string }[];
    expect(listed.map((letter) => letter.id)).toEqual(ids);
    expect(listed[0]).toMatchObject({ eventKey: "pr:opened", reason: expect.stringContaining("poison pill") });
    expect(asTable.code).toBe(0);
    expect(asTable.stdout).toMatch(/^ID\s+EVENT\s+CONCERNS\s+ATTEMPTS\s+DEAD SINCE\s+REASON\n/);
    expect(asTable.stdout).toContain("poison pill");
    expect(asTable.stdout).toContain("2 dead letter(s).");
  });

  it("drops one for good, redrives another once its cause is fixed, and says when an id is not a dead letter", async () => {
    const { live, poisoned, ids } = await withDeadLetters(2);
    const [first, second] = ids;
    if (first === undefined || second === undefined || poisoned[1] === undefined) throw new Error("two letters");

    const dropped = await bbrelay(["dead-letters", "drop", first], { env: live.env });
    const again = await bbrelay(["dead-letters", "drop", first], { env: live.env, tty: true });
    await live.fake.mutations.updatePullRequest({ ...poisoned[1], title: "cured" });
    const redriven = await bbrelay(["dead-letters", "redrive", second], { env: live.env, tty: true });
    await waitFor(async () => (await live.stats()).deadLetters === 0, 30_000, "no dead letters left");
    await live.waitDrained();

    expect(dropped.code).toBe(0);
    expect(JSON.parse(dropped.stdout)).toEqual({ dropped: 1, requested: 1 });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("Dropped 0 of 1; 1 id(s) were not dead letters");
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toBe("Redriven 1 of 1.\n");
    // The redriven event was handled: the cured pull request is in the catalog.
    expect(live.entities().some((entity) => entity.title === "cured")).toBe(true);
  });

  it("redrives all of them with --all", async () => {
    const { live } = await withDeadLetters(2);

    const run = await bbrelay(["dead-letters", "redrive", "--all"], { env: live.env });

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ redriven: 2 });
  });

  it("refuses what is not a command it can run (exit 2), and says what the edge needs", async () => {
    const noIds = await bbrelay(["dead-letters", "redrive"], {
      env: { RELAY_URL: "http://127.0.0.1:9", RELAY_AGENT_TOKEN: "t" },
    });
    const badIds = await bbrelay(["dead-letters", "drop", "12", "abc"], {
      env: { RELAY_URL: "http://127.0.0.1:9", RELAY_AGENT_TOKEN: "t" },
    });
    const both = await bbrelay(["dead-letters", "redrive", "1", "--all"], { env: {} });
    const noEdge = await bbrelay(["dead-letters", "list"], { env: {} });
    const help = await bbrelay(["dead-letters", "redrive", "--help"], { env: {} });

    expect([noIds.code, badIds.code, both.code, noEdge.code]).toEqual([2, 2, 2, 2]);
    expect(noIds.stderr).toContain("name the dead letters to redrive");
    expect(badIds.stderr).toContain("not dead letter ids (whole numbers): abc");
    expect(noEdge.stderr).toContain("RELAY_URL");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("bbrelay dead-letters redrive (ID... | --all) [--json]");
  });

  it("fails with the edge's reason when the edge cannot be reached (exit 1)", async () => {
    const run = await bbrelay(["dead-letters", "list"], {
      env: { RELAY_URL: "http://127.0.0.1:9", RELAY_AGENT_TOKEN: "agent-token-0123456789" },
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("edge unreachable");
  });
});

describe("bbrelay resync --request", () => {
  it("queues a resync at the edge that the running agent then runs", async () => {
    const live = await startLiveFixture();
    fixtures.push(live);
    live.fake.generate(INSTANCE);
    live.startAgent();
    await live.waitFirstResync();
    const acked = (await live.stats()).counters.acked;

    const run = await bbrelay(["resync", "--request"], { env: live.env, tty: true });
    await waitFor(async () => (await live.stats()).counters.acked > acked, 30_000, "the requested resync to be acked");

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Resync requested: message \d+ is queued at the edge/);
    const status = JSON.parse((await bbrelay(["status"], { env: live.env })).stdout) as { lastResync: { id: number } };
    expect(status.lastResync.id).toBeGreaterThanOrEqual(2);
  });

  it("takes no --kind or --dry-run (exit 2)", async () => {
    const run = await bbrelay(["resync", "--request", "--dry-run"], { env: {} });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--request takes no --kind, --dry-run or --config");
  });
});
