import { describe, expect, it } from "vitest";
import type { WebhookReport } from "../../../relay/webhooks/sync-report";
import { webhookFixtures } from "./support/webhook-fixture";

const REPOSITORY_HOOKS = [
  "repository P001/repo-00001",
  "repository P001/repo-00004",
  "repository P001/repo-00007",
  "repository P002/repo-00002",
  "repository P002/repo-00005",
  "repository P002/repo-00008",
  "repository P003/repo-00003",
  "repository P003/repo-00006",
  "repository P003/repo-00009",
];

const start = webhookFixtures();

/** `label: result, result` for every scope, to read a whole report at a glance. */
function outline(report: WebhookReport): string[] {
  return report.scopes.map(
    (scope) =>
      `${scope.label}: ${scope.state === "done" ? scope.outcomes.map((outcome) => ("reason" in outcome && outcome.result === "removed" ? `removed (${outcome.reason})` : outcome.result)).join(", ") : scope.state}`,
  );
}

describe("switching between repository and project hooks", () => {
  it("8.7 → 8.10: project hooks replace our repository hooks; other repository hooks stay; events arrive once", async () => {
    const f = await start({ version: "8.7.2" });
    await f.installer().sync();
    const foreign = f.addHook(
      { projectKey: "P002", repositorySlug: "repo-00005" },
      { events: ["repo:refs_changed"], url: f.receiver.url("/jenkins") },
    );
    f.fake.settings.version = "8.10.0";

    const upgrade = await f.installer().sync();
    f.fake.requests.clear();
    const after = await f.installer().sync();
    await f.fake.mutations.pushCommits({ projectKey: "P002", repositorySlug: "repo-00005" });

    expect(upgrade.mode.scope).toBe("project");
    expect(upgrade.counts).toMatchObject({ created: 3, removed: 9, failed: 0, skipped: 0 });
    expect(outline(upgrade).filter((line) => line.startsWith("repository"))).toEqual(
      REPOSITORY_HOOKS.map((where) => `${where}: removed (replaced-by-project-hook)`),
    );
    expect(f.ours()).toEqual(["project P001", "project P002", "project P003"]);
    expect(f.hooks().map((hook) => hook.id)).toContain(foreign);
    expect(after.counts).toMatchObject({ unchanged: 3, created: 0, removed: 0 });
    expect(f.writes()).toEqual([]);
    expect(f.receiver.received.map((delivery) => delivery.path).sort()).toEqual(["/jenkins", "/webhooks/acme"]);
  });

  it("keeps a project's old repository hooks while its project hook could not be created, and finishes next time", async () => {
    const f = await start({ version: "8.7.2" });
    await f.installer().sync();
    f.fake.settings.version = "9.4.2";
    f.fake.faults.add({
      method: "POST",
      path: "/rest/api/1.0/projects/P002/webhooks",
      nth: 1,
      action: { type: "status", status: 500 },
    });

    const upgrade = await f.installer().sync();
    const kept = f.ours();
    const retry = await f.installer().sync();

    expect(upgrade.ok).toBe(false);
    expect(upgrade.counts).toMatchObject({ created: 2, removed: 6, failed: 1, skipped: 3 });
    expect(outline(upgrade).filter((line) => line.includes("P002"))).toEqual([
      "project P002: failed",
      "repository P002/repo-00002: kept",
      "repository P002/repo-00005: kept",
      "repository P002/repo-00008: kept",
    ]);
    expect(kept).toEqual([
      "project P001",
      "project P003",
      "repository P002/repo-00002",
      "repository P002/repo-00005",
      "repository P002/repo-00008",
    ]);
    expect(retry.ok).toBe(true);
    expect(retry.counts).toMatchObject({ created: 1, removed: 3, unchanged: 2 });
    expect(f.ours()).toEqual(["project P001", "project P002", "project P003"]);
  });

  it("sweepRepositoryHooks finds our repository hooks even where the project hook already exists", async () => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();
    const stray = f.addHook(
      { projectKey: "P003", repositorySlug: "repo-00006" },
      { name: "Bitbucket Relay (acme)", url: f.url },
    );

    const plain = await f.installer().sync();
    const swept = await f.installer().sync({ sweepRepositoryHooks: true });

    expect(plain.counts).toMatchObject({ unchanged: 3, removed: 0 });
    expect(swept.counts).toMatchObject({ unchanged: 3, removed: 1 });
    expect(outline(swept)).toContain("repository P003/repo-00006: removed (replaced-by-project-hook)");
    expect(f.hooks().map((hook) => hook.id)).not.toContain(stray);
  });

  it("the override (bitbucketIsVersion8Point7OrOlder: true) on 9.4 moves ours back to repositories, project hooks go last", async () => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();

    const report = await f.installer({ bitbucketIsVersion8Point7OrOlder: true }).sync();

    expect(report.mode).toEqual({ scope: "repository", version: "9.4.2", decidedBy: "override" });
    expect(report.counts).toMatchObject({ created: 9, removed: 3, failed: 0 });
    expect(outline(report).filter((line) => line.startsWith("project"))).toEqual([
      "project P001: removed (replaced-by-repository-hooks)",
      "project P002: removed (replaced-by-repository-hooks)",
      "project P003: removed (replaced-by-repository-hooks)",
    ]);
    expect(f.ours()).toEqual(REPOSITORY_HOOKS);
  });

  it("keeps a project hook while one of the project's repositories could not get its hook", async () => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();
    f.fake.faults.add({
      method: "POST",
      path: "/rest/api/1.0/projects/P001/repos/repo-00004/webhooks",
      nth: 1,
      action: { type: "status", status: 500 },
    });

    const report = await f.installer({ bitbucketIsVersion8Point7OrOlder: true }).sync();

    expect(outline(report)).toContain("project P001: kept");
    expect(report.counts).toMatchObject({ created: 8, removed: 2, failed: 1, skipped: 1 });
    expect(f.ours()).toContain("project P001");
  });

  it("the override (false) on 8.7 fails per project with the fix in the reason, and creates nothing", async () => {
    const f = await start({ version: "8.7.2" });

    const report = await f.installer({ bitbucketIsVersion8Point7OrOlder: false }).sync();

    expect(report.ok).toBe(false);
    expect(report.counts).toMatchObject({ created: 0, failed: 3 });
    for (const scope of report.scopes) {
      expect(scope).toMatchObject({ state: "failed", status: 404 });
      expect(scope.state === "failed" ? scope.reason : "").toContain("project webhooks need Bitbucket 8.8 or newer");
    }
    expect(f.hooks()).toEqual([]);
  });
});
