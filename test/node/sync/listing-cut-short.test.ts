import { afterEach, describe, expect, it } from "vitest";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import type { FaultAction } from "../../fakes/bitbucket-server/faults";
import { kind, type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";

/**
 * A listing that ends early must never be taken for complete: the resync fails (no reconcile, nothing deleted) and
 * names the page. Each way a page can end a listing early is injected into the fake Bitbucket's real answer.
 */

// One project whose repositories come in pages of 2 (the fake's page cap): four pages, starting at 0, 2, 4 and 6.
const INSTANCE = {
  seed: 11,
  projects: 1,
  repositories: 7,
  pullRequests: 10,
  users: 3,
  emptyRatio: 0,
  archivedRatio: 0,
};
const fixtures: ResyncFixture[] = [];

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

async function synced(limits?: { maxPages: number }): Promise<{ started: ResyncFixture; victim: string }> {
  const started = await startResyncFixture({
    fake: { pageCaps: { repositories: 2 } },
    ...(limits === undefined ? {} : { clientLimits: { baseRetryDelayMs: 1, maxRetryDelayMs: 5, ...limits } }),
  });
  fixtures.push(started);
  started.fake.generate(INSTANCE);
  if (limits === undefined) expect((await started.resync()).status).toBe("succeeded");
  // A repository gone from Bitbucket: only a complete listing may delete its entity.
  const repository = [...started.fake.state.repositories.values()].at(-1);
  if (repository === undefined) throw new Error("no repository");
  const project = started.fake.state.requireProject(repository.projectId);
  await started.fake.mutations.deleteRepository({ projectKey: project.key, repositorySlug: repository.slug });
  return { started, victim: `${project.key}/${repository.slug}` };
}

function localCount(started: ResyncFixture): number {
  if (!(started.catalog instanceof LocalCatalog)) throw new Error("the fixture's catalog is not the local one");
  return started.catalog.count("bitbucketRepository");
}

/** The second page of the first project's repositories, rewritten. */
function rewriteSecondPage(started: ResyncFixture, rewrite: (page: Record<string, unknown>) => unknown): void {
  const action: FaultAction = { type: "rewrite", rewrite };
  started.fake.faults.add({
    method: "GET",
    path: /^\/rest\/api\/1\.0\/projects\/P001\/repos$/,
    nth: 2,
    times: 1,
    action,
  });
}

async function expectFailedListing(started: ResyncFixture, victim: string, reason: RegExp): Promise<void> {
  const summary = await started.resync({ kinds: ["repository"] });

  expect(summary.status).toBe("failed");
  expect(kind(summary.kinds, "repository").status).toBe("failed");
  expect(summary.reconcile.status).toBe("skipped");
  expect(await started.catalog.get("bitbucketRepository", victim)).not.toBeNull();
  const failure = summary.failures.find((entry) => entry.cause === "listing-failed");
  expect(failure?.message).toMatch(/GET \/rest\/api\/1\.0\/projects\/P001\/repos\?start=2&limit=1000/);
  expect(failure?.message).toMatch(reason);
}

describe("a listing cut short fails the resync and names the page", () => {
  it("a page that is not the last and gives no nextPageStart", async () => {
    const { started, victim } = await synced();
    rewriteSecondPage(started, ({ nextPageStart: _dropped, ...page }) => page);

    await expectFailedListing(started, victim, /isLastPage: false\) but gives no nextPageStart/);
  });

  it("a nextPageStart that does not advance", async () => {
    const { started, victim } = await synced();
    rewriteSecondPage(started, (page) => ({ ...page, nextPageStart: 2 }));

    await expectFailedListing(started, victim, /nextPageStart 2 does not advance past start 2/);
  });

  it("a body whose values are not an array, or that does not say whether it is the last page", async () => {
    const { started, victim } = await synced();
    rewriteSecondPage(started, (page) => ({ ...page, values: { 0: page.values } }));

    await expectFailedListing(started, victim, /the body is not a page \(values/);

    started.fake.faults.clear();
    rewriteSecondPage(started, ({ isLastPage: _unknown, ...page }) => page);
    await expectFailedListing(started, victim, /the body is not a page \(isLastPage/);
  });

  it("more pages than the page cap", async () => {
    const { started } = await synced({ maxPages: 1 });

    const summary = await started.resync({ kinds: ["repository"] });

    expect(summary.status).toBe("failed");
    expect(kind(summary.kinds, "repository").status).toBe("failed");
    expect(summary.reconcile.status).toBe("skipped");
    expect(summary.failures[0]?.message).toMatch(/\/projects\/P001\/repos\?start=2&limit=1000.*more than 1 pages/);
  });

  it("items without the fields the relay reads: the rest is written, nothing is deleted, the page is named", async () => {
    const { started, victim } = await synced();
    const before = localCount(started);
    // The second page's first repository loses its slug (what a plugin or proxy that alters answers may do).
    rewriteSecondPage(started, (page) => {
      const values = Array.isArray(page.values) ? [...page.values] : [];
      const [first, ...rest] = values;
      const { slug: _slug, ...broken } = (first ?? {}) as Record<string, unknown>;
      return { ...page, values: [broken, ...rest] };
    });

    const summary = await started.resync({ kinds: ["repository"] });

    expect(summary.status).toBe("partial");
    const repositories = kind(summary.kinds, "repository");
    expect(repositories.status).toBe("partial");
    // 7 repositories, 1 deleted from Bitbucket, 1 dropped: the 5 others are still written (unchanged).
    expect(repositories.listed).toBe(INSTANCE.repositories - 2);
    expect(repositories.unchanged).toBe(INSTANCE.repositories - 2);
    expect(repositories.failed).toBe(1);
    expect(summary.reconcile.status).toBe("skipped");
    expect(summary.reconcile.reason).toMatch(/listed items of repository without the fields the relay reads/);
    expect(await started.catalog.get("bitbucketRepository", victim)).not.toBeNull();
    expect(localCount(started)).toBe(before);
    expect(summary.failures).toEqual([
      expect.objectContaining({
        cause: "items-dropped",
        kind: "repository",
        count: 1,
        message: expect.stringMatching(/slug: /),
        fix: expect.stringMatching(/look at the page named/),
        samples: [
          expect.stringMatching(/^GET \/rest\/api\/1\.0\/projects\/P001\/repos\?start=2&limit=1000 \(page 2\): 1 item/),
        ],
      }),
    ]);
  });

  it("follows an empty page that is not the last to the end (a server may filter a page down to nothing)", async () => {
    const { started, victim } = await synced();
    rewriteSecondPage(started, (page) => ({ ...page, values: [], size: 0 }));
    const emptied = started.fake.state
      .repositoriesOf(1)
      .slice(2, 4)
      .map((repository) => repository.slug);

    const summary = await started.resync({ kinds: ["repository"] });

    // Only the two repositories the rewritten page hid are missing; the pages after it were read.
    expect(summary.status).toBe("succeeded");
    expect(kind(summary.kinds, "repository").listed).toBe(INSTANCE.repositories - 1 - emptied.length);
    expect(await started.catalog.get("bitbucketRepository", victim)).toBeNull();
  });
});
