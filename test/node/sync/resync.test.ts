import { afterEach, describe, expect, it } from "vitest";
import type { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import type { FakeState } from "../../fakes/bitbucket-server/fake-state";
import { kind, type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";

const SMALL = { seed: 7, projects: 3, repositories: 12, pullRequests: 40, users: 8 };
const fixtures: ResyncFixture[] = [];

async function fixture(...args: Parameters<typeof startResyncFixture>): Promise<ResyncFixture> {
  const started = await startResyncFixture(...args);
  fixtures.push(started);
  return started;
}

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

/** What the fake holds, as the default mapping names it (personal projects are not listed by /projects). */
function expectedCounts(state: FakeState) {
  const projects = [...state.projects.values()].filter((project) => project.type === "NORMAL");
  const repositories = projects.flatMap((project) => state.repositoriesOf(project.id));
  const pullRequests = repositories.flatMap((repository) => state.pullRequestsOf(repository.id));
  return {
    projects: projects.length,
    repositories: repositories.length,
    pullRequests: pullRequests.length,
    users: state.users.size,
  };
}

function local(started: ResyncFixture): LocalCatalog {
  return started.catalog as LocalCatalog;
}

describe("full resync into the local catalog", () => {
  it("syncs a generated instance completely, with relations that resolve", async () => {
    const started = await fixture();
    started.fake.generate(SMALL);
    const expected = expectedCounts(started.fake.state);

    const summary = await started.resync();

    expect(summary.status).toBe("succeeded");
    expect(kind(summary.kinds, "project")).toMatchObject({
      listed: expected.projects,
      created: expected.projects,
      failed: 0,
    });
    expect(kind(summary.kinds, "repository")).toMatchObject({
      listed: expected.repositories,
      created: expected.repositories,
    });
    expect(kind(summary.kinds, "pull-request")).toMatchObject({
      listed: expected.pullRequests,
      created: expected.pullRequests,
    });
    expect(kind(summary.kinds, "user")).toMatchObject({ listed: expected.users, created: expected.users });
    expect(local(started).count("bitbucketPullRequest")).toBe(expected.pullRequests);
    for (const pr of local(started).query({ blueprint: "bitbucketPullRequest" })) {
      const repository = pr.relations.repository;
      expect(typeof repository).toBe("string");
      expect(await started.catalog.get("bitbucketRepository", repository as string)).not.toBeNull();
      expect(pr.identifier.startsWith(`${repository as string}/`)).toBe(true);
    }
  });

  it("writes nothing on a second resync of an unchanged instance", async () => {
    const started = await fixture();
    started.fake.generate(SMALL);
    expect((await started.resync()).status).toBe("succeeded");
    const before = local(started).query({});

    const second = await started.resync();

    for (const entry of second.kinds) expect(entry).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(second.kinds.reduce((sum, entry) => sum + entry.unchanged, 0)).toBe(before.length);
    expect(
      local(started)
        .query({})
        .map((entity) => entity.updatedAt),
    ).toEqual(before.map((entity) => entity.updatedAt));
  });

  it("removes exactly a deleted repository and its pull requests on the next resync", async () => {
    const started = await fixture();
    started.fake.generate(SMALL);
    expect((await started.resync()).status).toBe("succeeded");
    const victim = [...started.fake.state.repositories.values()].find(
      (repository) => started.fake.state.pullRequestsOf(repository.id).length > 0,
    );
    if (victim === undefined) throw new Error("the generated instance has no repository with pull requests");
    const project = started.fake.state.requireProject(victim.projectId);
    const gone = `${project.key}/${victim.slug}`;
    const prsGone = started.fake.state.pullRequestsOf(victim.id).length;
    const countBefore = local(started).count();
    await started.fake.mutations.deleteRepository({ projectKey: project.key, repositorySlug: victim.slug });

    const summary = await started.resync();

    expect(summary.reconcile).toMatchObject({ status: "deleted", deleted: 1 + prsGone });
    expect(await started.catalog.get("bitbucketRepository", gone)).toBeNull();
    expect(
      local(started)
        .query({ blueprint: "bitbucketPullRequest" })
        .filter((pr) => pr.identifier.startsWith(`${gone}/`)),
    ).toEqual([]);
    expect(local(started).count()).toBe(countBefore - 1 - prsGone);
  });

  it("replaces a renamed repository's entity", async () => {
    const started = await fixture();
    started.fake.generate(SMALL);
    expect((await started.resync()).status).toBe("succeeded");
    const repository = [...started.fake.state.repositories.values()][0];
    if (repository === undefined) throw new Error("no repository");
    const project = started.fake.state.requireProject(repository.projectId);
    const oldId = `${project.key}/${repository.slug}`;
    await started.fake.mutations.renameRepository({
      projectKey: project.key,
      repositorySlug: repository.slug,
      name: "Renamed Service",
    });

    const summary = await started.resync();

    expect(summary.status).toBe("succeeded");
    expect(await started.catalog.get("bitbucketRepository", oldId)).toBeNull();
    expect(await started.catalog.get("bitbucketRepository", `${project.key}/renamed-service`)).toMatchObject({
      title: "Renamed Service",
    });
  });

  it("deletes nothing and fails when one listing fails", async () => {
    const started = await fixture();
    started.fake.generate(SMALL);
    expect((await started.resync()).status).toBe("succeeded");
    const repository = [...started.fake.state.repositories.values()].at(-1);
    if (repository === undefined) throw new Error("no repository");
    const project = started.fake.state.requireProject(repository.projectId);
    await started.fake.mutations.deleteRepository({ projectKey: project.key, repositorySlug: repository.slug });
    started.fake.faults.add({
      method: "GET",
      path: /\/pull-requests$/,
      nth: 1,
      times: 1_000,
      action: { type: "status", status: 500 },
    });
    const countBefore = local(started).count();

    const summary = await started.resync();

    expect(summary.status).toBe("failed");
    expect(kind(summary.kinds, "pull-request").status).toBe("failed");
    expect(summary.reconcile.status).toBe("skipped");
    expect(local(started).count()).toBe(countBefore);
  });

  it("refuses a deletion above entityDeletionThreshold and says why", async () => {
    const started = await fixture();
    const strict = { ...started.mapping, config: { ...started.mapping.config, entityDeletionThreshold: 0.5 } };
    started.fake.generate(SMALL);
    expect((await started.resync({ mapping: strict })).status).toBe("succeeded");
    for (const repository of [...started.fake.state.repositories.values()]) {
      const project = started.fake.state.requireProject(repository.projectId);
      await started.fake.mutations.deleteRepository({ projectKey: project.key, repositorySlug: repository.slug });
    }
    const countBefore = local(started).count();

    const summary = await started.resync({ mapping: strict });

    // The whole summary as the message, so that a failure shows the counts it decided on.
    expect(summary.reconcile.status, JSON.stringify(summary, null, 1)).toBe("refused");
    expect(summary.reconcile.reason).toMatch(
      /would delete 52 of the 64 entities .* above entityDeletionThreshold 0\.5/,
    );
    expect(local(started).count()).toBe(countBefore);
  });

  it("deletes what disappeared even when the wall clock stepped back between two runs", async () => {
    const started = await fixture();
    started.fake.generate(SMALL);
    expect((await started.resync({ now: () => 2_000_000_000_000 })).status).toBe("succeeded");
    const repository = [...started.fake.state.repositories.values()].at(-1);
    if (repository === undefined) throw new Error("no repository");
    const project = started.fake.state.requireProject(repository.projectId);
    await started.fake.mutations.deleteRepository({ projectKey: project.key, repositorySlug: repository.slug });

    const summary = await started.resync({ now: () => 1_000_000_000_000 });

    expect(summary.reconcile, JSON.stringify(summary, null, 1)).toMatchObject({ status: "deleted", failed: 0 });
    expect(await started.catalog.get("bitbucketRepository", `${project.key}/${repository.slug}`)).toBeNull();
  });

  it("rewrites an entity someone deleted from the catalog even though its content did not change", async () => {
    const started = await fixture();
    started.fake.generate(SMALL);
    expect((await started.resync()).status).toBe("succeeded");
    const project = [...started.fake.state.projects.values()].find((candidate) => candidate.type === "NORMAL");
    if (project === undefined) throw new Error("no project");
    await started.catalog.delete([{ blueprint: "bitbucketProject", identifier: project.key }], {
      deleteDependents: false,
    });

    const summary = await started.resync({ kinds: ["project"] });

    expect(kind(summary.kinds, "project")).toMatchObject({ created: 1 });
    expect(await started.catalog.get("bitbucketProject", project.key)).not.toBeNull();
  });

  it("reports what a dry run would change and writes nothing", async () => {
    const started = await fixture();
    started.fake.generate(SMALL);
    const expected = expectedCounts(started.fake.state);

    const summary = await started.resync({ dryRun: true });

    expect(summary.dryRun).toBe(true);
    expect(kind(summary.kinds, "project")).toMatchObject({ created: expected.projects });
    expect(summary.samples?.create.length).toBeGreaterThan(0);
    expect(local(started).count()).toBe(0);
  });
});
