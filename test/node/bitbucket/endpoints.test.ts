import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { defaultSeedDirectory } from "../../fakes/bitbucket-server/seed-samples";
import { clientFor, drain } from "./support/client-for";
import { fetchJson, parseJson, RawPage } from "./support/fetch-json";

async function rawJson(fake: FakeBitbucketServer, path: string): Promise<RawPage> {
  return fetchJson(`${fake.url}${path}`, RawPage);
}

describe("endpoints: archived repositories, single reads, enrichment, users", () => {
  let fake: FakeBitbucketServer;

  beforeEach(async () => {
    fake = await FakeBitbucketServer.start();
    fake.generate({
      seed: 21,
      projects: 2,
      repositories: 20,
      pullRequests: 80,
      users: 40,
      archivedRatio: 0.3,
      emptyRatio: 0.2,
      personalRepositories: 2,
    });
  });

  afterEach(async () => {
    await fake.stop();
  });

  it("includes archived repositories: per project always, through /repos with archived=ALL", async () => {
    const client = clientFor(fake);
    const archived = [...fake.state.repositories.values()]
      .filter((repo) => repo.archived)
      .map((repo) => repo.slug)
      .sort();

    const perProject = [
      ...(await drain(client.listRepositories({ projectKey: "P001" }))).items,
      ...(await drain(client.listRepositories({ projectKey: "P002" }))).items,
    ];
    const activeOnly = (await drain(client.listRepositories({ projectKey: "P001", includeArchived: false }))).items;
    const searched = (await drain(client.searchRepositories())).items;
    const serverDefault = (await rawJson(fake, "/rest/api/1.0/repos?limit=1000")).values;
    const searchedActive = (await drain(client.searchRepositories({ archived: "ACTIVE" }))).items;

    expect(archived.length).toBeGreaterThan(2);
    expect(perProject).toHaveLength(20);
    expect(
      perProject
        .filter((repo) => repo.archived)
        .map((repo) => repo.slug)
        .sort(),
    ).toEqual(archived);
    expect(activeOnly.every((repo) => repo.archived === false)).toBe(true);
    expect(searched).toHaveLength(22);
    expect(serverDefault).toHaveLength(22 - archived.length);
    expect(searchedActive).toHaveLength(22 - archived.length);
    expect(new URLSearchParams(fake.requests.entries.at(-1)?.query).get("archived")).toBe("ACTIVE");
  });

  it("lists personal repositories only when asked, and /projects never shows personal projects", async () => {
    const client = clientFor(fake);

    const personal = (await drain(client.listPersonalRepositories())).items;
    const projects = (await drain(client.listProjects())).items;
    const viaProject = (await drain(client.listRepositories({ projectKey: "~USER-0001" }))).items;

    expect(personal.map((repo) => `${repo.project.key}/${repo.slug}`)).toEqual([
      "~USER-0001/scratch-user-0001",
      "~USER-0002/scratch-user-0002",
    ]);
    expect(personal[0]?.project.type).toBe("PERSONAL");
    expect(projects.map((project) => project.key)).toEqual(["P001", "P002"]);
    expect(viaProject).toHaveLength(1);
  });

  it("reads single objects, with null on 404, in Bitbucket's real shapes", async () => {
    const client = clientFor(fake);
    const merged = [...fake.state.pullRequestsOf(1), ...fake.state.pullRequestsOf(2)].find(
      (pr) => pr.state === "MERGED",
    );
    const open = [...fake.state.pullRequests.values()].flat().find((pr) => pr.state === "OPEN");
    if (merged === undefined || open === undefined)
      throw new Error("the generated instance lacks a merged or an open pull request");
    const target = fake.state.requireRepository(merged.toRef.repositoryId);
    const openTarget = fake.state.requireRepository(open.toRef.repositoryId);
    const projectKey = fake.state.requireProject(target.projectId).key;

    const repository = await client.getRepository({ projectKey, repositorySlug: target.slug });
    const pr = await client.getPullRequest({ projectKey, repositorySlug: target.slug, pullRequestId: merged.id });
    const openPr = await client.getPullRequest({
      projectKey: fake.state.requireProject(openTarget.projectId).key,
      repositorySlug: openTarget.slug,
      pullRequestId: open.id,
    });

    expect(repository).toMatchObject({
      slug: target.slug,
      archived: target.archived,
      scmId: "git",
      project: { key: projectKey },
    });
    expect(repository).not.toHaveProperty("defaultBranch");
    expect(pr).toMatchObject({
      state: "MERGED",
      closed: true,
      closedDate: merged.closedDate,
      properties: { mergeCommit: { id: merged.mergeCommit } },
    });
    expect(typeof pr?.createdDate).toBe("number");
    expect(openPr).not.toHaveProperty("closedDate");
    expect(openPr).not.toHaveProperty("properties.mergeCommit");
    expect(await client.getProject({ projectKey: "P404" })).toBeNull();
    expect(await client.getRepository({ projectKey, repositorySlug: "missing" })).toBeNull();
    expect(await client.getPullRequest({ projectKey, repositorySlug: target.slug, pullRequestId: 99_999 })).toBeNull();
    expect(await client.getUser({ userSlug: "nobody" })).toBeNull();
    expect(fake.requests.byPath(404).size).toBe(4);
  });

  it("enriches: README (endpoint, then raw/README.md), latest commit and default branch, null for empty repositories", async () => {
    const client = clientFor(fake);
    const repos = [...fake.state.repositories.values()];
    const withReadme = repos.find((repo) => fake.state.fileAt(repo, "README.md") !== undefined);
    const empty = repos.find((repo) => repo.branches.size === 0);
    if (withReadme === undefined || empty === undefined)
      throw new Error("the generated instance lacks a repository with a README or an empty one");
    const ref = (repo: typeof empty) => ({
      projectKey: fake.state.requireProject(repo.projectId).key,
      repositorySlug: repo.slug,
    });

    const readme = await client.readme(ref(withReadme));
    const before = fake.requests.entries.length;
    const none = await client.readme(ref(empty));
    const askedForNone = fake.requests.entries.slice(before).map((entry) => entry.path);
    fake.settings.readmeEndpoint = false;
    const olderServer = clientFor(fake);
    const fallback = await olderServer.readme(ref(withReadme));
    const commit = await client.latestCommit(ref(withReadme));
    const branch = await client.defaultBranch(ref(withReadme));

    expect(readme).toBe(fake.state.fileAt(withReadme, "README.md"));
    expect(none).toBeNull();
    // The endpoint answered once, so a README-less repository costs one request, not two.
    expect(askedForNone).toEqual([expect.stringMatching(/\/readme$/)]);
    expect(fallback).toBe(readme);
    expect(fake.requests.entries.slice(-3, -2)[0]?.path).toMatch(/\/raw\/README\.md$/);
    expect(commit?.id).toBe(withReadme.branches.get("main"));
    expect(branch).toMatchObject({
      id: "refs/heads/main",
      displayId: "main",
      isDefault: true,
      latestCommit: commit?.id,
    });
    expect(await olderServer.readme(ref(empty))).toBeNull();
    expect(fake.requests.entries.slice(-2).map((entry) => entry.path)).toEqual([
      expect.stringMatching(/\/readme$/),
      expect.stringMatching(/\/raw\/README\.md$/),
    ]);
    expect(await client.latestCommit(ref(empty))).toBeNull();
    fake.settings.emptyRepositoryCommits = "not-found";
    expect(await client.latestCommit(ref(empty))).toBeNull();
    expect(await client.defaultBranch(ref(empty))).toBeNull();
    expect(fake.requests.entries.at(-1)?.status).toBe(204);
  });

  it("cuts a README at the size cap on a character boundary", async () => {
    const client = clientFor(fake, { limits: { maxReadmeBytes: 10 } });
    const repo = [...fake.state.repositories.values()].find((candidate) => candidate.branches.size > 0);
    if (repo === undefined) throw new Error("no repository with commits");
    fake.state.amendFiles(repo, { "README.md": "# Ünïcödé everywhere, and then much more text" });

    const text = await client.readme({
      projectKey: fake.state.requireProject(repo.projectId).key,
      repositorySlug: repo.slug,
    });

    expect(text).toBe("# Ünïcö");
    expect(Buffer.byteLength(text ?? "")).toBeLessThanOrEqual(10);
  });

  it("lists users through /users (active only) or /admin/users (everyone), as permitted", async () => {
    const client = clientFor(fake, {
      auth: { kind: "basic", username: FAKE_ADMIN.username, password: FAKE_ADMIN.password },
    });
    const tokenClient = clientFor(fake);

    const users = (await drain(client.listUsers())).items;
    const admin = (await drain(client.listAdminUsers())).items;
    const tokenDenied = await drain(tokenClient.listAdminUsers()).then(
      () => "listed",
      (error: { kind?: string }) => error.kind,
    );
    fake.settings.adminUsersPermission = "LICENSED_USER";
    const tokenAllowed = (await drain(tokenClient.listAdminUsers())).items;

    expect(admin).toHaveLength(41);
    expect(users).toHaveLength(40);
    expect(admin.find((user) => user.slug === "user-0040")).toMatchObject({
      active: false,
      directoryName: "Bitbucket Internal Directory",
    });
    expect(tokenDenied).toBe("unauthorized");
    expect(tokenAllowed).toHaveLength(41);
  });

  it("reads the server version and serves the seed's sample objects, as captured", async () => {
    await fake.stop();
    fake = await FakeBitbucketServer.start({ version: "8.10.2" });
    fake.loadSeedSamples();
    const client = clientFor(fake);
    const seedPr = parseJson(
      readFileSync(resolve(defaultSeedDirectory(), "payload-pull-request.json"), "utf8"),
      z.looseObject({}),
    );

    const version = await client.version();
    const user = await client.getUser({ userSlug: "[REDACTED]" });
    const pr = await client.getPullRequest({ projectKey: "PRO3", repositorySlug: "repostiroy-3", pullRequestId: 1 });
    const commit = await client.latestCommit({ projectKey: "PRO3", repositorySlug: "repostiroy-3" });
    const readme = await client.readme({ projectKey: "PRO3", repositorySlug: "repostiroy-3" });

    expect(version).toBe("8.10.2");
    expect(fake.requests.entries.find((entry) => entry.path.includes("REDACTED"))?.path).toBe(
      "/rest/api/1.0/users/%5BREDACTED%5D",
    );
    expect(user).toMatchObject({ slug: "[REDACTED]", emailAddress: "admin@gmail.com", id: 3 });
    for (const field of [
      "id",
      "version",
      "title",
      "state",
      "open",
      "closed",
      "draft",
      "createdDate",
      "updatedDate",
      "locked",
      "reviewers",
      "participants",
    ]) {
      expect(pr?.[field]).toEqual(seedPr[field]);
    }
    expect(pr).toMatchObject({
      fromRef: { displayId: "main", latestCommit: "3e4df0573a0ba1845ebdfa919c907745497313aa" },
      toRef: { displayId: "master", repository: { slug: "repostiroy-3", project: { key: "PRO3" } } },
      author: { user: { emailAddress: "admin@gmail.com" } },
    });
    expect(commit?.id).toBe("965068d1461f119139bb6be582bb22a555a195ba");
    expect(readme).toBe("");
  });
});
