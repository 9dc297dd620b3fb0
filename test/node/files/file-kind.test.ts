import { afterEach, describe, expect, it } from "vitest";
import type { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import type { RepositoryRecord } from "../../fakes/bitbucket-server/model";
import { kind, type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";
import { BLUEPRINTS } from "./support/blueprints";

/** `kind: file` over real HTTP: the fake Bitbucket's files, the agent's resync, the local catalog. */

function fileMapping(files: string): string {
  return `
resources:
  - kind: repository
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .project.key + "/" + .slug
          title: .name
          blueprint: '"bitbucketRepository"'
  - kind: file
    selector:
      query: 'true'
      files:
${files}
    port:
      entity:
        mappings:
          identifier: .repo.project.key + "/" + .repo.slug + "/" + .metadata.path + (if .content.kind then ":" + .content.kind else "" end)
          title: .content.name // .metadata.name
          blueprint: '"manifest"'
          properties:
            name: .content.name
            version: .content.version
            path: .metadata.path
            commit: .metadata.commit.id
            branch: .branch
          relations:
            repository: .repo.project.key + "/" + .repo.slug
`;
}

const fixtures: ResyncFixture[] = [];
afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

async function fixture(files: string, repositoryFiles: Record<string, string>): Promise<ResyncFixture> {
  const started = await startResyncFixture({ mappingText: fileMapping(files), blueprints: BLUEPRINTS });
  fixtures.push(started);
  started.fake.generate({
    seed: 5,
    projects: 1,
    repositories: 2,
    pullRequests: 0,
    users: 2,
    archivedRatio: 0,
    emptyRatio: 0,
    files: ({ number }) => (number === 1 ? repositoryFiles : undefined),
  });
  return started;
}

function manifests(started: ResyncFixture): ({ identifier: string } & Record<string, string>)[] {
  return (started.catalog as LocalCatalog)
    .query({ blueprint: "manifest" })
    .map((entity) => ({ identifier: entity.identifier, ...(entity.properties as Record<string, string>) }))
    .sort((a, b) => a.identifier.localeCompare(b.identifier));
}

function firstRepository(started: ResyncFixture): RepositoryRecord {
  const repository = started.fake.state.repositoryBySlug("P001", "repo-00001");
  if (repository === undefined) throw new Error("no repo-00001");
  return repository;
}

const MONOREPO = {
  "package.json": '{"name":"root","version":"1.0.0"}',
  "apps/web/package.json": '{"name":"web","version":"2.1.0"}',
  "libs/ui/package.json": '{"name":"ui","version":"0.3.0"}',
  "apps/web/index.js": "console.log('not a manifest')",
};

describe("kind: file", () => {
  it("maps a monorepo's package.json files in three folders from a glob, with path, commit, branch and repository", async () => {
    const started = await fixture("        path: '**/package.json'", MONOREPO);
    const tip = firstRepository(started).branches.get("main");

    const summary = await started.resync();

    expect(summary.status).toBe("succeeded");
    expect(kind(summary.kinds, "file")).toMatchObject({ listed: 3, created: 3, failed: 0, warnings: 0 });
    expect(manifests(started)).toEqual([
      {
        identifier: "P001/repo-00001/apps/web/package.json",
        name: "web",
        version: "2.1.0",
        path: "apps/web/package.json",
        commit: tip,
        branch: "main",
      },
      {
        identifier: "P001/repo-00001/libs/ui/package.json",
        name: "ui",
        version: "0.3.0",
        path: "libs/ui/package.json",
        commit: tip,
        branch: "main",
      },
      {
        identifier: "P001/repo-00001/package.json",
        name: "root",
        version: "1.0.0",
        path: "package.json",
        commit: tip,
        branch: "main",
      },
    ]);
    const web = await started.catalog.get("manifest", "P001/repo-00001/apps/web/package.json");
    expect(web?.relations.repository).toBe("P001/repo-00001");
  });

  it("takes Port's Bitbucket Cloud selector: filenames under a folder, only the listed repos", async () => {
    const started = await fixture(
      ["        path: apps", "        filenames: [package.json]", "        repos: [repo-00001]"].join("\n"),
      MONOREPO,
    );
    started.fake.state.amendFiles(
      started.fake.state.repositoryBySlug("P001", "repo-00002") ?? firstRepository(started),
      { "apps/other/package.json": '{"name":"other"}' },
    );

    await started.resync();

    expect(manifests(started).map((entity) => entity.identifier)).toEqual(["P001/repo-00001/apps/web/package.json"]);
  });

  it("gives one item per document of a multi-document YAML file", async () => {
    const started = await fixture("        path: deploy/services.yaml", {
      "deploy/services.yaml": "kind: api\nname: orders\nversion: '3'\n---\nkind: worker\nname: orders-worker\n",
    });

    const summary = await started.resync();

    expect(kind(summary.kinds, "file")).toMatchObject({ listed: 2, created: 2 });
    expect(manifests(started).map((entity) => [entity.identifier, entity.name])).toEqual([
      ["P001/repo-00001/deploy/services.yaml:api", "orders"],
      ["P001/repo-00001/deploy/services.yaml:worker", "orders-worker"],
    ]);
  });

  it("counts a file that does not parse as a warning naming it, and maps the others", async () => {
    const started = await fixture("        path: '**/package.json'", {
      ...MONOREPO,
      "broken/package.json": '{"name": "broken",',
    });

    const summary = await started.resync();

    expect(summary.status).toBe("succeeded");
    const file = kind(summary.kinds, "file");
    expect(file).toMatchObject({ listed: 3, created: 3, warnings: 1, failed: 0 });
    expect(summary.warnings).toContainEqual(
      expect.objectContaining({
        kind: "file",
        code: "file-unmapped",
        path: "P001/repo-00001/broken/package.json",
        count: 1,
        example: expect.stringMatching(/^not valid JSON/),
      }),
    );
  });

  it("reads no file again when the repository did not move; reads only its files when it did", async () => {
    const started = await fixture("        path: '**/package.json'", MONOREPO);
    await started.resync();
    const fileRequests = () => started.fake.requests.countWhere((entry) => /\/(raw|files)(\/|$)/.test(entry.path));
    const before = fileRequests();

    const unchanged = await started.resync();
    const afterUnchanged = fileRequests();
    await started.fake.mutations.pushCommits({
      projectKey: "P001",
      repositorySlug: "repo-00001",
      files: { "libs/ui/package.json": '{"name":"ui","version":"0.4.0"}' },
    });
    const mark = started.fake.requests.count;
    const moved = await started.resync();
    const movedRequests = started.fake.requests.entries.slice(mark).map((entry) => entry.path);

    // The first resync: one listing per repository (2) and one read per matching file (3).
    expect(before).toBe(5);
    expect(afterUnchanged - before).toBe(0);
    expect(kind(unchanged.kinds, "file")).toMatchObject({ listed: 3, unchanged: 3, created: 0, deleted: 0 });
    // After the push: the paths changed since (one request), and the one file that changed; no listing.
    expect(fileRequests() - afterUnchanged).toBe(1);
    expect(movedRequests.filter((path) => /\/raw\//.test(path))).toEqual([
      "/rest/api/1.0/projects/P001/repos/repo-00001/raw/libs/ui/package.json",
    ]);
    expect(movedRequests.filter((path) => path.endsWith("/changes"))).toHaveLength(1);
    // Every entity maps the tip commit, so all three are rewritten; the content of two came from the store.
    expect(kind(moved.kinds, "file")).toMatchObject({ listed: 3, updated: 3 });
    expect(manifests(started).find((entity) => entity.name === "ui")?.version).toBe("0.4.0");
  });

  it("deletes the entity of a file removed from the repository at the next resync", async () => {
    const started = await fixture("        path: '**/package.json'", MONOREPO);
    await started.resync();
    await started.fake.mutations.pushCommits({
      projectKey: "P001",
      repositorySlug: "repo-00001",
      files: { "libs/ui/package.json": null },
    });

    const summary = await started.resync();

    expect(summary.reconcile).toMatchObject({ status: "deleted", deleted: 1 });
    expect(manifests(started).map((entity) => entity.name)).toEqual(["web", "root"]);
  });
});

describe("kind: file, a listing or read that ends early deletes nothing", () => {
  const VICTIM = "P001/repo-00001/libs/ui/package.json";

  /** Synced, then a file removed from the repository: only a complete run may delete its entity. */
  async function syncedWithVictim(): Promise<ResyncFixture> {
    const started = await fixture("        path: '**/package.json'", MONOREPO);
    expect((await started.resync()).status).toBe("succeeded");
    await started.fake.mutations.pushCommits({
      projectKey: "P001",
      repositorySlug: "repo-00001",
      files: { "libs/ui/package.json": null },
    });
    return started;
  }

  it.each([
    ["the repository's file listing fails", /\/repos\/repo-00001\/files$/, { type: "status", status: 500 }],
    [
      "the file listing has a path that is not a string",
      /\/repos\/repo-00001\/files$/,
      {
        type: "rewrite",
        rewrite: (page: Record<string, unknown>) => ({
          ...page,
          values: [...(Array.isArray(page.values) ? page.values : []), 42],
        }),
      },
    ],
    ["a file read fails", /\/repos\/repo-00001\/raw\//, { type: "status", status: 500 }],
    ["the default branch cannot be read", /\/repos\/repo-00001\/branches\/default$/, { type: "status", status: 500 }],
  ] as const)("%s (nothing cached)", async (_case, path, action) => {
    const started = await syncedWithVictim();
    started.fake.faults.add({ method: "GET", path, nth: 1, times: 1_000, action });

    // Without the file store, every tip, listing and file is asked of Bitbucket.
    const summary = await started.resync({ fileStore: undefined });

    expect(summary.status).toBe("failed");
    expect(kind(summary.kinds, "file").status).toBe("failed");
    expect(summary.failures).toContainEqual(expect.objectContaining({ cause: "listing-failed", kind: "file" }));
    expect(summary.reconcile.status).toBe("skipped");
    expect(await started.catalog.get("manifest", VICTIM)).not.toBeNull();
  });

  it("the paths changed since the cached listing cannot be read", async () => {
    const started = await syncedWithVictim();
    started.fake.faults.add({
      method: "GET",
      path: /\/repos\/repo-00001\/commits\/[^/]+\/changes$/,
      nth: 1,
      times: 1_000,
      action: { type: "status", status: 500 },
    });

    const summary = await started.resync();

    expect(summary.status).toBe("failed");
    expect(kind(summary.kinds, "file").status).toBe("failed");
    expect(summary.reconcile.status).toBe("skipped");
    expect(await started.catalog.get("manifest", VICTIM)).not.toBeNull();
  });
});
