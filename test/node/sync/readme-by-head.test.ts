import { afterEach, describe, expect, it } from "vitest";
import type { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { AgentState } from "../../../relay/state/agent-state";
import type { LoggedRequest } from "../../fakes/bitbucket-server/index";
import { kind, type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";

// Enough repositories that their requests, not the fixed ones (projects, users, listings), make up a run.
const SMALL = { seed: 11, projects: 2, repositories: 80, pullRequests: 40, users: 6 };
const fixtures: ResyncFixture[] = [];

async function fixture(): Promise<ResyncFixture> {
  const started = await startResyncFixture();
  fixtures.push(started);
  started.fake.generate(SMALL);
  return started;
}

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

function isReadme(entry: LoggedRequest): boolean {
  return entry.path.endsWith("/readme") || entry.path.endsWith("/raw/README.md");
}

/** The README requests of the log, as `PROJECT/slug`. */
function readmeRequests(started: ResyncFixture): string[] {
  return started.fake.requests.entries
    .filter(isReadme)
    .map((entry) => /\/projects\/([^/]+)\/repos\/([^/]+)\//.exec(entry.path))
    .map((match) => (match === null ? "?" : `${match[1]}/${match[2]}`));
}

/** Every entity's identifier, properties and relations (what a resync writes). */
function entities(started: ResyncFixture) {
  return (started.catalog as LocalCatalog)
    .query({})
    .map((entity) => ({ id: entity.identifier, properties: entity.properties, relations: entity.relations }));
}

/** A non-empty repository of the fake, as the catalog names it. */
function someRepository(started: ResyncFixture) {
  const state = started.fake.state;
  const found = [...state.repositories.values()].find(
    (repository) =>
      repository.branches.has(repository.defaultBranch) && state.requireProject(repository.projectId).type === "NORMAL",
  );
  if (found === undefined) throw new Error("the generated instance has no non-empty repository");
  const project = state.requireProject(found.projectId);
  return { projectKey: project.key, repositorySlug: found.slug, identifier: `${project.key}/${found.slug}` };
}

describe("a resync reads a README only when the repository's head moved", () => {
  it("asks an unchanged instance for no README, makes at most 70% of the first run's requests and writes nothing", async () => {
    const started = await fixture();
    const first = await started.resync();
    expect(first.status).toBe("succeeded");
    const firstRequests = started.fake.requests.count;
    const firstReadmes = readmeRequests(started).length;
    // Every repository with a commit is asked once (an empty one has no README to ask for).
    const state = started.fake.state;
    const withHead = [...state.repositories.values()].filter(
      (repository) =>
        repository.branches.has(repository.defaultBranch) &&
        state.requireProject(repository.projectId).type === "NORMAL",
    );
    expect(withHead.length).toBeGreaterThan(0);
    expect(firstReadmes).toBeGreaterThanOrEqual(withHead.length);
    const before = entities(started);
    started.fake.requests.clear();

    const second = await started.resync();

    expect(second.status).toBe("succeeded");
    expect(readmeRequests(started)).toEqual([]);
    // Issue 13's bound: per repository, its latest commit (which names the head) and its pull requests, no README.
    expect(started.fake.requests.count).toBeLessThanOrEqual(firstRequests * 0.7);
    for (const entry of second.kinds) expect(entry).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(entities(started)).toEqual(before);
  });

  it("reads again exactly the README of the repository a push moved, and writes its new text", async () => {
    const started = await fixture();
    expect((await started.resync()).status).toBe("succeeded");
    const target = someRepository(started);
    const before = entities(started);
    await started.fake.mutations.pushCommits({
      projectKey: target.projectKey,
      repositorySlug: target.repositorySlug,
      files: { "README.md": "# Pushed\n\nA README changed by a push.\n" },
    });
    started.fake.requests.clear();

    const summary = await started.resync();

    expect(summary.status).toBe("succeeded");
    expect(readmeRequests(started)).toEqual([target.identifier]);
    const pushed = await started.catalog.get("bitbucketRepository", target.identifier);
    expect(pushed?.properties.readme).toBe("# Pushed\n\nA README changed by a push.\n");
    // Only the moved repository changed (its README and latest commit), nothing else.
    const changed = entities(started).filter(
      (entity) => JSON.stringify(entity) !== JSON.stringify(before.find((old) => old.id === entity.id)),
    );
    expect(changed.map((entity) => entity.id)).toEqual([target.identifier]);
    expect(kind(summary.kinds, "repository")).toMatchObject({ updated: 1, created: 0 });
  });

  it("reads every README again when the agent's state was lost, and writes the same entities", async () => {
    const started = await fixture();
    expect((await started.resync()).status).toBe("succeeded");
    const before = entities(started);
    const readmesBefore = readmeRequests(started).length;
    started.fake.requests.clear();
    const fresh = AgentState.open(":memory:");

    const summary = await started.resync({ state: fresh });
    fresh.close();

    expect(summary.status).toBe("succeeded");
    expect(readmeRequests(started)).toHaveLength(readmesBefore);
    expect(entities(started)).toEqual(before);
  });
});
