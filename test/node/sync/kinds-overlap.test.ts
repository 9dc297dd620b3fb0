import { afterEach, describe, expect, it } from "vitest";
import { kind, type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";

const fixtures: ResyncFixture[] = [];

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

/** Polls until the condition holds or `ms` passed (the requests are sent; they only have to land). */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function owned(started: ResyncFixture, blueprint: string): Promise<number> {
  let count = 0;
  for await (const page of started.catalog.listOwned({ blueprints: [blueprint] })) count += page.length;
  return count;
}

describe("kinds overlap: a kind goes on listing while an earlier kind has not written what it points to", () => {
  it("lists every repository's pull requests while no README has come back, and writes them after their repositories", async () => {
    // Room for every README to wait at the fake without taking the pull requests' request slots.
    const started = await startResyncFixture({
      clientLimits: { maxConcurrency: 64, baseRetryDelayMs: 1, maxRetryDelayMs: 5 },
    });
    fixtures.push(started);
    // 30 repositories, 500 pull requests (several of the writer's batches, fewer than a kind may hold), each pointing
    // at a repository the repository kind cannot write until its README comes back.
    started.fake.generate({ seed: 21, projects: 1, repositories: 30, pullRequests: 500, users: 4, emptyRatio: 0 });
    let release = () => {};
    const readmesBack = new Promise<void>((resolve) => {
      release = resolve;
    });
    started.fake.faults.add({
      path: /\/readme$/,
      nth: 1,
      times: Number.POSITIVE_INFINITY,
      action: { type: "wait", until: readmesBack },
    });
    const pullRequestListings = () =>
      started.fake.requests.entries.filter((entry) => entry.path.endsWith("/pull-requests")).length;

    const resync = started.resync({ listingConcurrency: 4 });
    await until(() => pullRequestListings() === 30, 5_000);
    const listedWhileHeld = pullRequestListings();
    const writtenWhileHeld = await owned(started, "bitbucketPullRequest");
    release();
    const summary = await resync;

    // A kind that stopped at its first held batch listed 13 by then (the code before, with batches of 200).
    expect(listedWhileHeld).toBe(30);
    // Held, not written: each points at a repository not written yet.
    expect(writtenWhileHeld).toBe(0);
    expect(summary.status).toBe("succeeded");
    expect(kind(summary.kinds, "pull-request")).toMatchObject({ listed: 500, created: 500, failed: 0 });
    expect(kind(summary.kinds, "repository")).toMatchObject({ listed: 30, created: 30 });
  });
});
