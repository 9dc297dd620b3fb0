import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { formatSummary } from "../../../relay/sync/format-resync-summary";
import { kind, type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";

/** A resync's status and failures tell the truth: partial when entities were refused, with the cause and fix. */

const SMALL = { seed: 7, projects: 2, repositories: 6, pullRequests: 12, users: 4 };
const fixtures: ResyncFixture[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function withMapping(yaml: string): Promise<ResyncFixture> {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-outcomes-"));
  dirs.push(dir);
  const path = join(dir, "mapping.yaml");
  writeFileSync(path, yaml);
  const started = await startResyncFixture({ mapping: { kind: "file", path } });
  fixtures.push(started);
  started.fake.generate(SMALL);
  return started;
}

/** The default mapping, with a repository property the default blueprint lacks. */
const UNKNOWN_PROPERTY = DEFAULT_MAPPING_YAML.replace(
  "            slug: .slug\n",
  "            slug: .slug\n            language: '\"go\"'\n",
);

describe("resync outcomes", () => {
  it("is partial when the catalog refuses entities, and names the property, the blueprint and the fix", async () => {
    const started = await withMapping(UNKNOWN_PROPERTY);

    const summary = await started.resync();

    const repositories = kind(summary.kinds, "repository");
    expect(summary.status).toBe("partial");
    expect(repositories.status).toBe("partial");
    expect(repositories.failed).toBe(repositories.selected);
    expect(repositories.failed).toBeGreaterThan(0);
    expect(kind(summary.kinds, "project").status).toBe("succeeded");
    expect(summary.failures).toEqual([
      {
        cause: "schema-mismatch",
        kind: "repository",
        blueprint: "bitbucketRepository",
        field: "properties.language",
        count: repositories.failed,
        message: 'is not a property of blueprint "bitbucketRepository"',
        fix: 'add property "language" to blueprint "bitbucketRepository", or remove it from the mapping',
        samples: expect.arrayContaining([expect.stringMatching(/^bitbucketRepository\/[A-Z0-9]+\/.+/)]),
      },
    ]);
    expect(summary.failures[0]?.samples.length).toBe(Math.min(5, repositories.failed));
    // Reconcile rules are unchanged: every kind was listed to its end, so the reconcile ran.
    expect(summary.reconcile.status).toBe("nothing-to-delete");
    const text = formatSummary(summary).trimEnd().split("\n");
    expect(text.at(-1)).toMatch(
      new RegExp(
        `^Resync partial in .*: ${repositories.failed} of \\d+ entities were not written \\(schema-mismatch\\)`,
      ),
    );
    expect(text).toContain(
      '  fix: add property "language" to blueprint "bitbucketRepository", or remove it from the mapping',
    );
  });

  it("is partial and deletes nothing when the mapping fails on an item (its entities are unknown)", async () => {
    const started = await withMapping(DEFAULT_MAPPING_YAML);
    expect((await started.resync()).status).toBe("succeeded");
    const [first] = [...started.fake.state.repositories.values()];
    if (first === undefined) throw new Error("no repository");
    const failing = DEFAULT_MAPPING_YAML.replace(
      '  - kind: repository\n    selector:\n      query: "true"',
      `  - kind: repository\n    selector:\n      query: 'if .slug == "${first.slug}" then error("no such field") else true end'`,
    );
    const reloaded = await withMapping(failing);

    const summary = await reloaded.resync();

    expect(summary.status).toBe("partial");
    expect(kind(summary.kinds, "repository")).toMatchObject({ status: "partial", failed: 1 });
    expect(summary.failures).toEqual([
      expect.objectContaining({
        cause: "mapping-error",
        kind: "repository",
        field: "resources[2].selector.query",
        count: 1,
        fix: expect.stringContaining("fix the jq at resources[2].selector.query"),
      }),
    ]);
    expect(summary.reconcile).toMatchObject({ status: "skipped" });
    expect(summary.reconcile.reason).toMatch(/the mapping failed on some items of repository/);
  });

  it("is failed when a listing fails, with the cause, and deletes nothing", async () => {
    const started = await withMapping(DEFAULT_MAPPING_YAML);
    started.fake.faults.add({
      method: "GET",
      path: /\/pull-requests$/,
      nth: 1,
      times: 1_000,
      action: { type: "status", status: 500 },
    });

    const summary = await started.resync();

    expect(summary.status).toBe("failed");
    expect(kind(summary.kinds, "pull-request").status).toBe("failed");
    expect(summary.failures).toEqual([
      expect.objectContaining({ cause: "listing-failed", kind: "pull-request", count: 1 }),
    ]);
    expect(formatSummary(summary).trimEnd().split("\n").at(-1)).toMatch(
      /^Resync failed in .*: pull-request did not complete \(listing-failed: Bitbucket GET \/rest\/api\/1\.0\/projects\/[^ ]+\/pull-requests\?.* failed .*500.*\); nothing was deleted\.$/,
    );
  });

  it("is partial when entityDeletionThreshold refuses the deletions (stale entities are left)", async () => {
    const started = await withMapping(
      DEFAULT_MAPPING_YAML.replace("entityDeletionThreshold: 0.9", "entityDeletionThreshold: 0.1"),
    );
    expect((await started.resync()).status).toBe("succeeded");
    for (const repository of [...started.fake.state.repositories.values()]) {
      const project = started.fake.state.requireProject(repository.projectId);
      await started.fake.mutations.deleteRepository({ projectKey: project.key, repositorySlug: repository.slug });
    }

    const summary = await started.resync();

    expect(summary.reconcile.status).toBe("refused");
    expect(summary.status).toBe("partial");
    expect(formatSummary(summary).trimEnd().split("\n").at(-1)).toMatch(
      /^Resync partial in .*: stale entities were left in the catalog \(would delete \d+ of the \d+ entities/,
    );
  });
});
