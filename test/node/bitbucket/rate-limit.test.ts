import { afterEach, describe, expect, it } from "vitest";
import type { BitbucketClient } from "../../../relay/bitbucket/client";
import { BitbucketError } from "../../../relay/bitbucket/errors";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import type { LoggedRequest } from "../../fakes/bitbucket-server/request-log";
import { clientFor, drain } from "./support/client-for";
import { VirtualClock } from "./support/virtual-clock";

/** Lists every pull request of every repository at once (20 listings in flight). */
async function listEverything(client: BitbucketClient): Promise<number> {
  const repositories = (await drain(client.listRepositories({ projectKey: "P001" }))).items;
  const counts = await Promise.all(
    repositories.map(
      async (repo) =>
        (await drain(client.listPullRequests({ projectKey: "P001", repositorySlug: repo.slug }))).items.length,
    ),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/** For every 429, the same request must not come back before the Retry-After it was given. */
function earlyRetries(entries: readonly LoggedRequest[]): number {
  let early = 0;
  entries.forEach((entry, index) => {
    if (entry.status !== 429 || entry.retryAfterSeconds === undefined) return;
    const next = entries.slice(index + 1).find((later) => later.path === entry.path && later.query === entry.query);
    if (next !== undefined && next.at < entry.at + entry.retryAfterSeconds * 1000) early++;
  });
  return early;
}

describe("rate limiting: 429 storms absorbed, Retry-After obeyed", () => {
  let fake: FakeBitbucketServer | undefined;

  afterEach(async () => {
    await fake?.stop();
  });

  async function start(clock: VirtualClock, headers: boolean): Promise<FakeBitbucketServer> {
    const server = await FakeBitbucketServer.start({
      clock,
      rateLimit: { capacity: 10, fillRate: 2, headers },
      pageCaps: { pullRequests: 10 },
    });
    server.generate({ seed: 11, projects: 1, repositories: 20, pullRequests: 600, users: 10, emptyRatio: 0 });
    fake = server;
    return server;
  }

  it("gets every page through a storm of 429s, never retrying before Retry-After", async () => {
    const clock = new VirtualClock();
    const server = await start(clock, false);
    const client = clientFor(server, { clock, limits: { maxConcurrency: 4 } });

    const total = await listEverything(client);

    const throttled = server.requests.countWhere((entry) => entry.status === 429);
    expect(total).toBe(600);
    expect(throttled).toBeGreaterThan(20);
    expect(earlyRetries(server.requests.entries)).toBe(0);
    expect(server.requests.countWhere((entry) => entry.status >= 500)).toBe(0);
    expect(Math.max(...clock.sleeps)).toBeGreaterThanOrEqual(1000);
  });

  it("paces to the fill rate when the server sends X-RateLimit-* hints, so far fewer requests are refused", async () => {
    const blindClock = new VirtualClock();
    const blind = await start(blindClock, false);
    // No jitter: the two runs differ only by the hints.
    await listEverything(clientFor(blind, { clock: blindClock, random: () => 0.5, limits: { maxConcurrency: 4 } }));
    const refusedBlind = blind.requests.countWhere((entry) => entry.status === 429);
    await blind.stop();
    fake = undefined;

    const hintedClock = new VirtualClock();
    const hinted = await start(hintedClock, true);
    const total = await listEverything(
      clientFor(hinted, { clock: hintedClock, random: () => 0.5, limits: { maxConcurrency: 4 } }),
    );
    const refusedHinted = hinted.requests.countWhere((entry) => entry.status === 429);

    expect(total).toBe(600);
    expect(refusedHinted).toBeLessThan(refusedBlind / 2);
  });

  it("gives up with a rate-limited error once the call's waiting budget is spent", async () => {
    const clock = new VirtualClock();
    fake = await FakeBitbucketServer.start({ clock, rateLimit: { capacity: 1, fillRate: 0.02 } });
    const client = clientFor(fake, { clock, limits: { maxTotalWaitMs: 30_000 } });
    await client.version();

    const error = await client.version().then(
      () => null,
      (failure: unknown) => failure,
    );

    expect(error).toBeInstanceOf(BitbucketError);
    if (!(error instanceof BitbucketError)) return;
    expect(error.kind).toBe("rate-limited");
    expect(error.message).toContain("waiting budget of 30000 ms");
    expect(error.message).toContain("Rate limiting");
    expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(30_000);
  });
});
