import { afterEach, describe, expect, it } from "vitest";
import type { FaultAction } from "../../fakes/bitbucket-server/faults";
import { type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";

/**
 * Every listing a resync relies on (the default mapping's: projects, users, repositories with their README and
 * latest commit, pull requests), ended early by Bitbucket failing it, or the run interrupted: the run is not
 * `succeeded`, the listing's kind says so, and nothing is deleted (a repository gone from Bitbucket keeps its
 * entity until a resync lists everything). The ways a page itself can end a listing early (no nextPageStart, a
 * start that does not advance, a body that is not a page, the page cap, dropped items) are in
 * listing-cut-short.test.ts; the file and GitOps listings in test/node/files and test/node/gitops.
 */

const INSTANCE = { seed: 7, projects: 2, repositories: 6, pullRequests: 12, users: 4, emptyRatio: 0, archivedRatio: 0 };
const fixtures: ResyncFixture[] = [];

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

/** A synced instance, then a repository deleted from Bitbucket: only a complete run may delete its entity. */
async function syncedWithVictim(): Promise<{ started: ResyncFixture; victim: string }> {
  const started = await startResyncFixture();
  fixtures.push(started);
  started.fake.generate(INSTANCE);
  expect((await started.resync()).status).toBe("succeeded");
  const repository = [...started.fake.state.repositories.values()].at(-1);
  if (repository === undefined) throw new Error("no repository");
  const project = started.fake.state.requireProject(repository.projectId);
  await started.fake.mutations.deleteRepository({ projectKey: project.key, repositorySlug: repository.slug });
  return { started, victim: `${project.key}/${repository.slug}` };
}

const SERVER_ERROR: FaultAction = { type: "status", status: 500 };

/** A commit on every repository's default branch: their READMEs are read again (they are remembered by head). */
async function moveEveryRepository(started: ResyncFixture): Promise<void> {
  for (const repository of started.fake.state.repositories.values()) {
    const project = started.fake.state.requireProject(repository.projectId);
    await started.fake.mutations.pushCommits({
      projectKey: project.key,
      repositorySlug: repository.slug,
      files: { "CHANGELOG.md": "moved" },
    });
  }
}

describe("a listing that Bitbucket fails part way deletes nothing", () => {
  it.each([
    // [listing, its requests, which of them fails (each later attempt too), the kind that fails, a setup]
    ["projects", /^\/rest\/api\/1\.0\/projects$/, 1, "project", null],
    ["a project's repositories", /^\/rest\/api\/1\.0\/projects\/[^/]+\/repos$/, 2, "repository", null],
    ["a repository's pull requests", /\/pull-requests$/, 2, "pull-request", null],
    ["users (/admin/users)", /^\/rest\/api\/1\.0\/admin\/users$/, 1, "user", null],
    ["a repository's README", /\/readme$/, 2, "repository", moveEveryRepository],
    ["a repository's latest commit", /\/commits$/, 2, "repository", null],
  ] as const)("%s", async (_listing, path, nth, failedKind, setup) => {
    const { started, victim } = await syncedWithVictim();
    await setup?.(started);
    started.fake.faults.add({ method: "GET", path, nth, times: 1_000, action: SERVER_ERROR });

    const summary = await started.resync();

    expect(summary.status).toBe("failed");
    expect(summary.kinds.find((entry) => entry.kind === failedKind)?.status).toBe("failed");
    expect(summary.failures).toContainEqual(expect.objectContaining({ cause: "listing-failed", kind: failedKind }));
    expect(summary.reconcile.status).toBe("skipped");
    expect(summary.reconcile.deleted).toBe(0);
    expect(await started.catalog.get("bitbucketRepository", victim)).not.toBeNull();
  });
});

describe("an interrupted resync deletes nothing", () => {
  it("is aborted, and its unfinished kinds say so", async () => {
    const { started, victim } = await syncedWithVictim();
    const stop = new AbortController();

    const summary = await started.resync({
      signal: stop.signal,
      // Interrupted while the repositories are being listed (SIGTERM, in `bbrelay run` or `resync`).
      onItems: (listed) => {
        if (listed === "repository") stop.abort();
      },
    });

    expect(summary.status).toBe("aborted");
    expect(summary.kinds.find((entry) => entry.kind === "repository")?.status).toBe("aborted");
    expect(summary.kinds.find((entry) => entry.kind === "pull-request")?.status).toBe("aborted");
    expect(summary.reconcile.status).toBe("skipped");
    expect(summary.reconcile.reason).toMatch(/interrupted/);
    expect(await started.catalog.get("bitbucketRepository", victim)).not.toBeNull();
  });
});
