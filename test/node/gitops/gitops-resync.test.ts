import { afterEach, describe, expect, it } from "vitest";
import { type CatalogKind, type GitOpsFixture, startGitOpsFixture } from "./support/gitops-fixture";

/** GitOps in a resync over real HTTP: port.yml files in the fake Bitbucket, both catalogs. */

const TWO_SERVICES = `
- identifier: orders
  title: Orders
  blueprint: service
  properties:
    language: typescript
    tier: 1
  relations:
    repository: P001/repo-00001
- identifier: payments
  title: Payments
  blueprint: service
  properties:
    language: go
`;

const fixtures: GitOpsFixture[] = [];
afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.close();
});

async function fixture(kind: CatalogKind, portYml: string | null = TWO_SERVICES): Promise<GitOpsFixture> {
  const started = await startGitOpsFixture(kind);
  fixtures.push(started);
  started.started.fake.generate({
    seed: 4,
    projects: 1,
    repositories: 3,
    pullRequests: 2,
    users: 3,
    archivedRatio: 0,
    emptyRatio: 0,
    files: ({ number }) => (number === 1 && portYml !== null ? { "port.yml": portYml } : undefined),
  });
  return started;
}

async function push(started: GitOpsFixture, files: Record<string, string | null>, branch?: string): Promise<void> {
  await started.started.fake.mutations.pushCommits({
    projectKey: "P001",
    repositorySlug: "repo-00001",
    files,
    ...(branch === undefined ? {} : { branch }),
  });
}

describe.each(["local", "port"] as const)("GitOps in a resync, %s catalog", (kind) => {
  it("writes the entities a port.yml declares, with the gitops feature in their datasource", async () => {
    const started = await fixture(kind);

    const summary = await started.resync();

    expect(summary.status).toBe("succeeded");
    expect(summary.gitops).toMatchObject({ status: "succeeded", files: 1, created: 2, invalid: 0, failed: 0 });
    const orders = await started.entity("service", "orders");
    expect(orders).toMatchObject({
      title: "Orders",
      properties: { language: "typescript", tier: 1 },
      relations: { repository: "P001/repo-00001" },
    });
    expect(orders?.datasource).toMatch(/\/test-install\/gitops$/);
    const repository = await started.entity("bitbucketRepository", "P001/repo-00001");
    expect(repository?.datasource).toMatch(/\/test-install\/exporter$/);
    // What each feature's reconcile would list: the exporter never sees GitOps entities, nor GitOps the exporter's.
    const owned = async (catalog: typeof started.gitopsCatalog) => {
      const keys: string[] = [];
      for await (const page of catalog.listOwned())
        keys.push(...page.map((entity) => `${entity.blueprint}/${entity.identifier}`));
      return keys;
    };
    expect((await owned(started.gitopsCatalog)).sort()).toEqual(["service/orders", "service/payments"]);
    const exporter = await owned(started.started.catalog);
    expect(exporter).toContain("bitbucketRepository/P001/repo-00001");
    expect(exporter.filter((key) => key.startsWith("service/"))).toEqual([]);
  });

  it("deletes an entity removed from the file, and nothing the exporter's reconcile owns, nor the reverse", async () => {
    const started = await fixture(kind);
    await started.resync();
    await push(started, { "port.yml": TWO_SERVICES.split("- identifier: payments")[0] ?? "" });

    const summary = await started.resync();

    expect(summary.gitops).toMatchObject({ deleted: 1, unchanged: 1 });
    expect(await started.entity("service", "payments")).toBeNull();
    expect(await started.entity("service", "orders")).not.toBeNull();
    // The exporter's reconcile saw the GitOps entities as not its own: nothing of theirs in its owned count.
    expect(summary.reconcile).toMatchObject({ deleted: 0 });
    expect(await started.entity("bitbucketRepository", "P001/repo-00001")).not.toBeNull();
  });

  it("reports an invalid port.yml and changes nothing", async () => {
    const started = await fixture(kind);
    await started.resync();
    await push(started, { "port.yml": "- identifier: orders\n  blueprint: [service\n" });

    const summary = await started.resync();

    expect(summary.status).toBe("partial");
    expect(summary.gitops).toMatchObject({ status: "partial", invalid: 1, deleted: 0, created: 0, updated: 0 });
    expect(summary.gitops?.invalidFiles[0]).toEqual({
      file: "P001/repo-00001/port.yml",
      reason: expect.stringMatching(/^not valid YAML/),
    });
    expect(await started.entity("service", "orders")).not.toBeNull();
    expect(await started.entity("service", "payments")).not.toBeNull();
  });

  it("names the place of a problem in an entity, and changes nothing", async () => {
    const started = await fixture(kind);
    await started.resync();
    await push(started, {
      "port.yml": "- identifier: orders\n  blueprint: service\n- identifier: payments\n  relations: 3\n",
    });

    const summary = await started.resync();

    expect(summary.gitops?.invalidFiles[0]?.reason).toMatch(/^\[1\]\.(blueprint|relations)/);
    expect(await started.entity("service", "payments")).not.toBeNull();
  });

  it("counts an entity the catalog refuses as a failure with the reason, and writes the others", async () => {
    const started = await fixture(kind, `${TWO_SERVICES}- identifier: ghost\n  blueprint: noSuchBlueprint\n`);

    const summary = await started.resync();

    expect(summary.status).toBe("partial");
    expect(summary.gitops).toMatchObject({ created: 2, failed: 1 });
    expect(summary.gitops?.failures[0]).toMatch(/^noSuchBlueprint\/ghost \(P001\/repo-00001\/port\.yml\): .*not found/);
  });

  it("deletes what a deleted port.yml declared; a push to another branch changes nothing", async () => {
    const started = await fixture(kind);
    await started.resync();
    await push(started, { "port.yml": null }, "feature/cleanup");

    const other = await started.resync();
    expect(other.gitops).toMatchObject({ deleted: 0, unchanged: 2 });

    await push(started, { "port.yml": null });
    const summary = await started.resync();

    expect(summary.gitops).toMatchObject({ deleted: 2, files: 0 });
    expect(await started.entity("service", "orders")).toBeNull();
  });
});

describe("GitOps in a resync whose listing or read Bitbucket fails", () => {
  it("keeps what the files of a repository gone from the listing declared, and fails", async () => {
    const started = await fixture("local");
    expect((await started.resync()).status).toBe("succeeded");
    // repo-00001 (the one with port.yml) is deleted, but the listing that would show it gone fails part way.
    await started.started.fake.mutations.deleteRepository({ projectKey: "P001", repositorySlug: "repo-00001" });
    started.started.fake.faults.add({
      method: "GET",
      path: /^\/rest\/api\/1\.0\/projects\/P001\/repos$/,
      nth: 1,
      times: 10_000,
      action: { type: "status", status: 500 },
    });

    const summary = await started.resync();

    expect(summary.status).toBe("failed");
    expect(summary.gitops).toMatchObject({ status: "failed", deleted: 0 });
    expect(await started.entity("service", "orders")).not.toBeNull();
    expect(await started.entity("service", "payments")).not.toBeNull();
  });

  it("fails when a GitOps file cannot be read, and deletes nothing it declared", async () => {
    const started = await fixture("local");
    expect((await started.resync()).status).toBe("succeeded");
    await push(started, { "port.yml": TWO_SERVICES.split("- identifier: payments")[0] ?? "" });
    started.started.fake.faults.add({
      method: "GET",
      path: /\/repos\/repo-00001\/raw\/port\.yml$/,
      nth: 1,
      times: 10_000,
      action: { type: "status", status: 500 },
    });

    const summary = await started.resync();

    expect(summary.status).toBe("failed");
    expect(summary.gitops).toMatchObject({ status: "failed", deleted: 0 });
    expect(await started.entity("service", "payments")).not.toBeNull();
  });
});

describe("GitOps in a resync whose repository listing dropped an item", () => {
  it("keeps the files of the repository it could not read, syncs the others, and is partial", async () => {
    const started = await fixture("local");
    expect((await started.resync()).status).toBe("succeeded");
    // repo-00001 (the one with port.yml) comes without its slug: a listing that cannot be taken for complete.
    started.started.fake.faults.add({
      method: "GET",
      path: /^\/rest\/api\/1\.0\/projects\/P001\/repos$/,
      nth: 1,
      times: 10_000,
      action: {
        type: "rewrite",
        rewrite: (page) => ({
          ...page,
          values: (Array.isArray(page.values) ? page.values : []).map((repository: Record<string, unknown>) => {
            if (repository.slug !== "repo-00001") return repository;
            const { slug: _slug, ...broken } = repository;
            return broken;
          }),
        }),
      },
    });

    const summary = await started.resync();

    expect(summary.status).toBe("partial");
    expect(summary.gitops).toMatchObject({ status: "partial", deleted: 0 });
    expect(summary.gitops?.failures.join("\n")).toMatch(
      /GET \/rest\/api\/1\.0\/projects\/P001\/repos\?start=0&limit=1000 \(page 1\): 1 item\(s\) without the fields the relay reads/,
    );
    expect(await started.entity("service", "orders")).not.toBeNull();
    expect(await started.entity("service", "payments")).not.toBeNull();
  });
});
