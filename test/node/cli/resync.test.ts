import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay, fakeBitbucketEnv } from "../../support/cli-runner";
import { ResyncSummaryJson } from "../../support/resync-summary-json";
import { seedPath } from "../mapping/seed-files";

let fake: FakeBitbucketServer;
let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  fake = await FakeBitbucketServer.start();
  dir = mkdtempSync(join(tmpdir(), "bbrelay-cli-resync-"));
  env = fakeBitbucketEnv(fake.url, dir, FAKE_ADMIN);
});

afterEach(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function catalogCount(blueprint?: string): number {
  const catalog = LocalCatalog.open({ path: env.CATALOG_PATH ?? "", readonly: true });
  try {
    return catalog.count(blueprint);
  } finally {
    void catalog.close();
  }
}

describe("bbrelay resync", () => {
  it("syncs into the local catalog by default, then writes nothing the second time", async () => {
    fake.generate({ seed: 3, projects: 2, repositories: 6, pullRequests: 20, users: 5 });

    const first = await bbrelay(["resync"], { env });
    const second = await bbrelay(["resync"], { env });

    expect(first.code).toBe(0);
    const firstSummary = ResyncSummaryJson.parse(JSON.parse(first.stdout));
    expect(firstSummary.status).toBe("succeeded");
    expect(firstSummary.kinds.reduce((sum, kind) => sum + kind.created, 0)).toBe(catalogCount());
    expect(catalogCount("bitbucketPullRequest")).toBe(20);
    expect(second.code).toBe(0);
    const secondSummary = ResyncSummaryJson.parse(JSON.parse(second.stdout));
    expect(secondSummary.kinds.every((kind) => kind.created + kind.updated + kind.deleted === 0)).toBe(true);
  });

  it("prints a table and progress on a terminal", async () => {
    fake.generate({ seed: 3, projects: 1, repositories: 2, pullRequests: 3, users: 2 });

    const run = await bbrelay(["resync"], { env, tty: true });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /kind\s+status\s+listed\s+selected\s+created\s+updated\s+unchanged\s+deleted\s+failed\s+time/,
    );
    expect(run.stdout).toMatch(/pull-request\s+succeeded\s+3\s+3\s+3/);
    expect(run.stderr).toMatch(/pull-request\s+done\s+3 listed/);
  });

  it("exits 1 and deletes nothing when a listing fails, without leaking the password", async () => {
    fake.generate({ seed: 3, projects: 2, repositories: 6, pullRequests: 20, users: 5 });
    expect((await bbrelay(["resync"], { env })).code).toBe(0);
    const before = catalogCount();
    const [victim] = [...fake.state.repositories.values()];
    if (victim === undefined) throw new Error("no repository");
    await fake.mutations.deleteRepository({
      projectKey: fake.state.requireProject(victim.projectId).key,
      repositorySlug: victim.slug,
    });
    // The service account lost its permission on one project: Bitbucket answers 401 (not 403) for that.
    fake.faults.add({
      method: "GET",
      path: /\/repos$/,
      nth: 1,
      times: 10_000,
      action: { type: "status", status: 401, message: "You are not permitted to access this resource" },
    });

    const run = await bbrelay(["resync"], { env });

    expect(run.code).toBe(1);
    const summary = ResyncSummaryJson.parse(JSON.parse(run.stdout));
    expect(summary.reconcile.status).toBe("skipped");
    expect(catalogCount()).toBe(before);
    expect(`${run.stdout}${run.stderr}`).not.toContain(FAKE_ADMIN.password);
  });

  it("exits 1 and deletes nothing when Bitbucket lists an item without the fields the relay reads", async () => {
    fake.generate({ seed: 3, projects: 1, repositories: 4, pullRequests: 4, users: 2 });
    expect((await bbrelay(["resync"], { env })).code).toBe(0);
    const before = catalogCount("bitbucketRepository");
    const [victim] = [...fake.state.repositories.values()];
    if (victim === undefined) throw new Error("no repository");
    await fake.mutations.deleteRepository({
      projectKey: fake.state.requireProject(victim.projectId).key,
      repositorySlug: victim.slug,
    });
    fake.faults.add({
      method: "GET",
      path: /^\/rest\/api\/1\.0\/projects\/[^/]+\/repos$/,
      nth: 1,
      times: 10_000,
      action: {
        type: "rewrite",
        rewrite: (page) => ({
          ...page,
          values: (Array.isArray(page.values) ? page.values : []).map((repository, index) =>
            index === 0 ? { ...repository, project: null } : repository,
          ),
        }),
      },
    });

    const run = await bbrelay(["resync", "--kind", "repository"], { env });

    expect(run.code).toBe(1);
    const summary = ResyncSummaryJson.parse(JSON.parse(run.stdout));
    expect(summary.status).toBe("partial");
    expect(summary.reconcile.status).toBe("skipped");
    expect(summary.reconcile.reason).toMatch(/without the fields the relay reads/);
    expect(summary.failures).toEqual([expect.objectContaining({ cause: "items-dropped", kind: "repository" })]);
    expect(catalogCount("bitbucketRepository")).toBe(before);
    expect(run.stderr.trimEnd().split("\n").at(-1)).toMatch(/^Resync partial in .*\(items-dropped\)/);
  });

  it("exits 1 with a truthful last line when the catalog refuses entities (a property the blueprint lacks)", async () => {
    fake.generate({ seed: 3, projects: 1, repositories: 3, pullRequests: 4, users: 2 });
    const config = join(dir, "unknown-property.yaml");
    writeFileSync(
      config,
      DEFAULT_MAPPING_YAML.replace(
        "            slug: .slug\n",
        "            slug: .slug\n            language: '\"go\"'\n",
      ),
    );

    const json = await bbrelay(["resync", "--config", config], { env });
    const table = await bbrelay(["resync", "--config", config], { env, tty: true });

    expect(json.code).toBe(1);
    const summary = ResyncSummaryJson.parse(JSON.parse(json.stdout));
    expect(summary.status).toBe("partial");
    expect(summary.failures).toEqual([
      expect.objectContaining({
        cause: "schema-mismatch",
        blueprint: "bitbucketRepository",
        field: "properties.language",
        count: 3,
        fix: 'add property "language" to blueprint "bitbucketRepository", or remove it from the mapping',
      }),
    ]);
    expect(json.stderr.trimEnd().split("\n").at(-1)).toMatch(
      /^Resync partial in .*: 3 of \d+ entities were not written \(schema-mismatch\); fix the causes above and run it again\.$/,
    );
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/repository\s+partial\s+3\s+3\s+0\s+0\s+0\s+0\s+3/);
    expect(table.stdout.trimEnd().split("\n").at(-1)).toMatch(/^Resync partial in /);
  });

  it("writes nothing with --dry-run and shows samples", async () => {
    fake.generate({ seed: 3, projects: 1, repositories: 2, pullRequests: 3, users: 2 });

    const run = await bbrelay(["resync", "--dry-run", "--kind", "repository"], { env, tty: true });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Dry run: nothing was written/);
    expect(run.stdout).toMatch(/Would create: bitbucketRepository\//);
    expect(catalogCount()).toBe(0);
  });

  it("runs the seed's mapping verbatim end to end with the seed's blueprints", async () => {
    fake.loadSeedSamples();
    fake.generate({ seed: 5, projects: 2, repositories: 4, pullRequests: 6, users: 3 });

    const run = await bbrelay(["resync", "--config", seedPath("port-app-config.yaml")], {
      env: { ...env, BBRELAY_BLUEPRINTS: seedPath("blueprints.json") },
    });

    expect(run.code).toBe(0);
    const summary = ResyncSummaryJson.parse(JSON.parse(run.stdout));
    expect(summary.kinds.map((kind) => kind.kind)).toEqual(["project", "repository", "pull-request", "user"]);
    expect(catalogCount("bitbucketProject")).toBeGreaterThanOrEqual(3);
    expect(catalogCount("bitbucketRepository")).toBeGreaterThan(0);
  });

  it("refuses an unknown kind and a kind the mapping lacks with exit 2", async () => {
    const unknown = await bbrelay(["resync", "--kind", "branch"], { env });

    const config = join(dir, "users-only.yaml");
    writeFileSync(
      config,
      `resources:\n  - kind: user\n    port:\n      entity:\n        mappings:\n          identifier: .slug\n          blueprint: '"bitbucketUser"'\n`,
    );
    const lacking = await bbrelay(["resync", "--kind", "project", "--config", config], { env });

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--kind must be one of project, repository, pull-request, user/);
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toContain(`the mapping file ${config} has no resource of kind project`);
  });
});
