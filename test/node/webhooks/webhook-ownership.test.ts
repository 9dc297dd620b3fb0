import { describe, expect, it } from "vitest";
import { URL_KEY } from "../../../relay/webhooks/our-hook";
import { selectProjects } from "../../../relay/webhooks/project-selection";
import { type FakeHook, NAME, type WebhookFixture, webhookFixtures } from "./support/webhook-fixture";

const start = webhookFixtures();

/** Hooks that look like ours in one way or another, but are not: each must survive sync and remove untouched. */
function addLookalikes(f: WebhookFixture, where: { projectKey: string; repositorySlug?: string }): number[] {
  return [
    // Our URL, another name (someone pointed their own hook at the edge).
    f.addHook(where, { name: "Audit copy", url: f.url, events: ["pr:opened"] }),
    // Our name, another URL and no marker: another relay (a staging edge) with the same tenant name.
    f.addHook(where, {
      name: NAME,
      url: "https://staging-edge.example.com/webhooks/acme",
      events: ["pr:merged"],
      configuration: { createdBy: "bbrelay" },
    }),
    // Our name, another URL, recorded for that other URL.
    f.addHook(where, {
      name: NAME,
      url: "https://other.example.com/webhooks/acme",
      configuration: { createdBy: "bbrelay", [URL_KEY]: "https://other.example.com/webhooks/acme" },
    }),
    // Plainly someone else's, inactive.
    f.addHook(where, { name: "Jenkins", active: false }),
  ];
}

function snapshot(f: WebhookFixture, ids: readonly number[]): unknown[] {
  return ids.map((id) => structuredClone(f.hook(id)));
}

describe("other people's hooks are never touched", () => {
  it.each(["8.7.2", "9.4.2"])("on %s: sync and remove leave look-alikes exactly as they were", async (version) => {
    const f = await start({ version });
    const foreign = [
      ...addLookalikes(f, { projectKey: "P001" }),
      ...addLookalikes(f, { projectKey: "P002", repositorySlug: "repo-00005" }),
    ];
    const before = snapshot(f, foreign);

    const synced = await f.installer().sync();
    const afterSync = snapshot(f, foreign);
    const removed = await f.installer().remove();

    expect(synced.ok).toBe(true);
    expect(afterSync).toEqual(before);
    expect(removed.ok).toBe(true);
    expect(snapshot(f, foreign)).toEqual(before);
    expect(
      f
        .hooks()
        .map((hook) => hook.id)
        .sort((a, b) => a - b),
    ).toEqual([...foreign].sort((a, b) => a - b));
    const scopeWithLookalikes = synced.scopes.find(
      (scope) => scope.label === (version === "8.7.2" ? "repository P002/repo-00005" : "project P001"),
    );
    expect(scopeWithLookalikes?.state === "done" && scopeWithLookalikes.otherHooks).toBe(4);
  });
});

describe("remove", () => {
  it("deletes ours in every scope (project, repository, personal) and nothing else; a second remove writes nothing", async () => {
    const f = await start({
      version: "9.4.2",
      instance: {
        seed: 5,
        projects: 3,
        repositories: 9,
        pullRequests: 0,
        users: 4,
        personalRepositories: 1,
        emptyRatio: 0,
        archivedRatio: 0,
      },
    });
    await f.installer({ selection: selectProjects("all", { personal: true }) }).sync();
    // Ours at repository level too, as an 8.7 install would have left them, one in an archived repository.
    const leftovers = [
      f.addHook({ projectKey: "P001", repositorySlug: "repo-00001" }, { name: NAME, url: f.url }),
      f.addHook({ projectKey: "P003", repositorySlug: "repo-00009" }, { name: NAME, url: f.url }),
    ];
    const archived = f.fake.state.repositoryBySlug("P003", "repo-00009");
    if (archived === undefined) throw new Error("no repo-00009");
    archived.archived = true;
    const foreign = f.addHook({ projectKey: "P002" });
    const personal = f.ours().filter((where) => where.startsWith("repository ~"));

    const report = await f.installer().remove();
    f.fake.requests.clear();
    const again = await f.installer().remove();

    expect(personal).toEqual(["repository ~USER-0001/scratch-user-0001"]);
    expect(leftovers).toHaveLength(2);
    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({ removed: 6, failed: 0, created: 0, updated: 0 });
    expect(report.scopes.map((scope) => scope.label).sort()).toEqual([
      "project P001",
      "project P002",
      "project P003",
      "repository P001/repo-00001",
      "repository P003/repo-00009",
      "repository ~USER-0001/scratch-user-0001",
    ]);
    expect(f.ours()).toEqual([]);
    expect(f.hooks().map((hook: FakeHook) => hook.id)).toEqual([foreign]);
    expect(again.counts).toMatchObject({ removed: 0, failed: 0 });
    expect(again.scopes).toEqual([]);
    expect(f.writes()).toEqual([]);
  });

  it("on 8.7 looks only at repositories (no project hooks exist), and reports no failure", async () => {
    const f = await start({ version: "8.7.2" });
    await f.installer().sync();
    f.fake.requests.clear();

    const report = await f.installer().remove();

    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({ removed: 9, failed: 0, skipped: 0 });
    expect(
      f.fake.requests.countWhere((entry) => /^\/rest\/api\/1\.0\/projects\/[^/]+\/webhooks/.test(entry.path)),
    ).toBe(0);
    expect(f.ours()).toEqual([]);
  });
});

describe("taking over from Ocean", () => {
  it.each([
    { version: "9.4.2", where: [{ projectKey: "P001" }, { projectKey: "P002" }] },
    { version: "8.7.2", where: [{ projectKey: "P001", repositorySlug: "repo-00001" }] },
  ])("on $version: a sync replaces Ocean's hooks with ours, a removal leaves them", async ({ version, where }) => {
    const f = await start({ version });
    const ocean = where.map((scope: { projectKey: string; repositorySlug?: string }) =>
      f.addHook(scope, {
        name: `Port Ocean - ${scope.projectKey}${scope.repositorySlug === undefined ? "" : `-${scope.repositorySlug}`}`,
        url: "https://ocean.example.com/integration/webhook",
        events: ["pr:opened", "repo:refs_changed"],
        configuration: { createdBy: "Port Ocean" },
      }),
    );
    // Named like Ocean's but delivering elsewhere: someone's own hook, never touched.
    const lookalike = f.addHook(
      { projectKey: "P003" },
      { name: "Port Ocean - P003", url: "https://ci.example.com/hooks/bitbucket" },
    );
    const present = () => new Set(f.hooks().map((hook) => hook.id));

    const removal = await f.installer().remove();
    expect(removal.ok).toBe(true);
    expect(ocean.filter((id) => present().has(id))).toEqual(ocean);

    const sync = await f.installer().sync();

    expect(sync.ok).toBe(true);
    expect(sync.counts.removed).toBe(ocean.length);
    expect(ocean.filter((id) => present().has(id))).toEqual([]);
    expect(present().has(lookalike)).toBe(true);
    expect(f.ours().length).toBeGreaterThan(0);
    expect(JSON.stringify(sync)).toContain("ocean-hook");
  });
});
