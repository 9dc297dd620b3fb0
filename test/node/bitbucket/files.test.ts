import { afterEach, describe, expect, it } from "vitest";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import type { RepositoryRecord } from "../../fakes/bitbucket-server/model";
import { clientFor, drain, failure } from "./support/client-for";
import { fetchJson, RawPage } from "./support/fetch-json";

/** Repository files over real HTTP: the fake serves them as Bitbucket does, the client reads them. */

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
const fakes: FakeBitbucketServer[] = [];

afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.stop();
});

async function monorepo(version: string): Promise<{ fake: FakeBitbucketServer; repository: RepositoryRecord }> {
  const fake = await FakeBitbucketServer.start({ version, pageCaps: { files: 2, changes: 2 } });
  fakes.push(fake);
  fake.generate({
    seed: 3,
    projects: 1,
    repositories: 1,
    pullRequests: 0,
    users: 2,
    archivedRatio: 0,
    emptyRatio: 0,
    files: () => ({
      "package.json": '{"name":"root"}',
      "apps/web/package.json": '{"name":"web"}',
      "apps/api/package.json": '{"name":"api"}',
      "docs/logo.png": PNG,
    }),
  });
  const repository = [...fake.state.repositories.values()][0];
  if (repository === undefined) throw new Error("no repository generated");
  return { fake, repository };
}

const ref = { projectKey: "P001", repositorySlug: "repo-00001" };

describe.each(["7.21.0", "9.4.2", "10.1.0"])("repository files on Bitbucket %s", (version) => {
  it("lists every file at a commit, page by page, and at an older commit what it held then", async () => {
    const { fake, repository } = await monorepo(version);
    const client = clientFor(fake);
    const first = repository.branches.get("main") ?? "";
    await fake.mutations.pushCommits({ ...ref, files: { "apps/new/package.json": "{}", "package.json": null } });
    const tip = repository.branches.get("main") ?? "";

    const now = await drain(client.listFiles({ ...ref, at: tip }));
    const before = await drain(client.listFiles({ ...ref, at: first }));
    const byBranch = await drain(client.listFiles({ ...ref, at: "refs/heads/main" }));

    expect(now.items).toEqual(
      ["README.md", "apps/api/package.json", "apps/new/package.json", "apps/web/package.json", "docs/logo.png"].filter(
        (path) => fake.state.fileAt(repository, path) !== undefined,
      ),
    );
    expect(now.items).not.toContain("package.json");
    expect(now.pages).toBeGreaterThan(1); // the server's cap is 2 paths a page
    expect(before.items).toContain("package.json");
    expect(before.items).not.toContain("apps/new/package.json");
    expect(byBranch.items).toEqual(now.items);
  });

  it("reads a file at a commit; null for a path missing there; binary files are not decoded", async () => {
    const { fake, repository } = await monorepo(version);
    const client = clientFor(fake);
    const first = repository.branches.get("main") ?? "";
    await fake.mutations.pushCommits({ ...ref, files: { "apps/web/package.json": '{"name":"web2"}' } });
    const tip = repository.branches.get("main") ?? "";

    expect(await client.readFile({ ...ref, at: tip, path: "apps/web/package.json" })).toEqual({
      kind: "text",
      text: '{"name":"web2"}',
    });
    expect(await client.readFile({ ...ref, at: first, path: "apps/web/package.json" })).toEqual({
      kind: "text",
      text: '{"name":"web"}',
    });
    expect(await client.readFile({ ...ref, at: tip, path: "nowhere/port.yml" })).toBeNull();
    expect(await client.readFile({ ...ref, at: tip, path: "docs/logo.png" })).toEqual({ kind: "binary" });
    const raw404 = await fetch(`${fake.url}/rest/api/1.0/projects/P001/repos/repo-00001/raw/nowhere.yml?at=${tip}`, {
      headers: { Authorization: "Bearer fake-admin-token-6b1f0c2e9d" },
    });
    expect(raw404.status).toBe(404);
    expect(((await raw404.json()) as { errors: { exceptionName: string }[] }).errors[0]?.exceptionName).toBe(
      "com.atlassian.bitbucket.content.NoSuchPathException",
    );
  });

  it("says a file is too large instead of returning part of it", async () => {
    const { fake, repository } = await monorepo(version);
    const client = clientFor(fake, { limits: { maxFileBytes: 8 } });
    const tip = repository.branches.get("main") ?? "";

    expect(await client.readFile({ ...ref, at: tip, path: "apps/web/package.json" })).toEqual({
      kind: "too-large",
      maxBytes: 8,
    });
  });

  it("lists the paths a push changed since its previous tip, with their change types, across pages", async () => {
    const { fake, repository } = await monorepo(version);
    const client = clientFor(fake);
    const from = repository.branches.get("main") ?? "";
    await fake.mutations.pushCommits({ ...ref, files: { "apps/web/package.json": '{"name":"w"}' } });
    await fake.mutations.pushCommits({
      ...ref,
      count: 2,
      files: { "package.json": null, "services/port.yml": "identifier: x\n" },
    });
    const to = repository.branches.get("main") ?? "";

    const changes = await drain(client.listChanges({ ...ref, commitId: to, since: from }));
    const lastOnly = await drain(client.listChanges({ ...ref, commitId: to }));

    expect(changes.items.map((change) => [change.path.toString, change.type])).toEqual([
      ["apps/web/package.json", "MODIFY"],
      ["package.json", "DELETE"],
      ["services/port.yml", "ADD"],
    ]);
    expect(changes.pages).toBe(2);
    expect(lastOnly.items.map((change) => change.path.toString)).toEqual(["package.json", "services/port.yml"]);
    const page = await fetchJson(
      `${fake.url}/rest/api/1.0/projects/P001/repos/repo-00001/commits/${to}/changes?since=${from}&limit=100`,
      RawPage,
    );
    expect(page).toMatchObject({ limit: 2, toHash: to, fromHash: from, properties: { changeScope: "ALL" } });
  });

  it("fails a listing at a commit that does not exist (404, never an empty listing)", async () => {
    const { fake } = await monorepo(version);
    const client = clientFor(fake);

    const error = await failure(drain(client.listFiles({ ...ref, at: "f".repeat(40) })));

    expect(error.kind).toBe("not-found");
  });
});
