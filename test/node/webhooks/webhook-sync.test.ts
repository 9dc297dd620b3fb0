import { describe, expect, it } from "vitest";
import { FINGERPRINT_KEY, URL_KEY } from "../../../relay/webhooks/our-hook";
import { verifyWebhookSignature } from "../../../shared/crypto/hmac";
import { subscribableEventKeys } from "../../../shared/events/routing";
import { NAME, SECRET, webhookFixtures } from "./support/webhook-fixture";

const PROJECT_HOOKS = ["project P001", "project P002", "project P003"];
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

describe("webhook sync against the fake Bitbucket", () => {
  it.each([
    // 8.10 and 8.19 are the versions Ocean's float parse took for "8.7 or older".
    { version: "8.7.2", scope: "repository" as const, expected: REPOSITORY_HOOKS },
    { version: "8.8.0", scope: "project" as const, expected: PROJECT_HOOKS },
    { version: "8.10.0", scope: "project" as const, expected: PROJECT_HOOKS },
    { version: "8.19.1", scope: "project" as const, expected: PROJECT_HOOKS },
    { version: "9.4.2", scope: "project" as const, expected: PROJECT_HOOKS },
    { version: "10.2.1", scope: "project" as const, expected: PROJECT_HOOKS },
  ])(
    "on $version: one hook per $scope, with our events and configuration, and a second run writes nothing",
    async ({ version, scope, expected }) => {
      const f = await start({ version });

      const first = await f.installer().sync();
      f.fake.requests.clear();
      const second = await f.installer().sync();

      expect(first.mode).toEqual({ scope, version, decidedBy: "version" });
      expect(first.ok).toBe(true);
      expect(first.counts).toEqual({
        created: expected.length,
        updated: 0,
        unchanged: 0,
        removed: 0,
        failed: 0,
        skipped: 0,
      });
      expect(f.ours()).toEqual(expected);
      for (const hook of f.hooks()) {
        expect(hook.url).toBe(f.url);
        expect(hook.active).toBe(true);
        expect([...hook.events].sort()).toEqual([...subscribableEventKeys(scope)].sort());
        expect(hook.configuration).toMatchObject({ secret: SECRET, createdBy: "bbrelay", [URL_KEY]: f.url });
        expect(hook.configuration[FINGERPRINT_KEY]).toMatch(/^scrypt1:[0-9a-f]{32}$/);
      }
      expect(second.ok).toBe(true);
      expect(second.counts).toEqual({
        created: 0,
        updated: 0,
        unchanged: expected.length,
        removed: 0,
        failed: 0,
        skipped: 0,
      });
      expect(f.writes()).toEqual([]);
    },
  );

  it.each(["8.7.2", "9.4.2"])(
    "on %s the hooks it installs deliver signed events to the edge's URL, once per event",
    async (version) => {
      const f = await start({ version });
      await f.installer().sync();

      await f.fake.mutations.pushCommits({ projectKey: "P002", repositorySlug: "repo-00005" });

      expect(f.receiver.received).toHaveLength(1);
      const [delivery] = f.receiver.received;
      expect(delivery?.path).toBe("/webhooks/acme");
      expect(delivery?.headers["x-event-key"]).toBe("repo:refs_changed");
      const signature = delivery?.headers["x-hub-signature"];
      expect(
        await verifyWebhookSignature(
          typeof signature === "string" ? signature : null,
          delivery?.body ?? new Uint8Array(),
          [SECRET],
        ),
      ).toBe(0);
    },
  );

  it("subscribes an older server only to the event keys it knows (6.0: no pr:from_ref_updated, no mirror event)", async () => {
    const f = await start({ version: "6.0.0" });

    const report = await f.installer().sync();

    expect(report.ok).toBe(true);
    const events = f.hooks()[0]?.events ?? [];
    expect(events).not.toContain("pr:from_ref_updated");
    expect(events).not.toContain("mirror:repo_synchronized");
    expect(events).not.toContain("project:modified");
    expect(events).toContain("pr:opened");
    expect(f.ours()).toEqual(REPOSITORY_HOOKS);
  });

  it("never subscribes to the documented keys the server rejects", async () => {
    const f = await start({ version: "10.2.1" });

    const plan = await f.installer().planSync();

    for (const rejected of ["pr:to_ref_updated", "pr:reviewer:changes_requested", "proj:modified"]) {
      expect(plan.events.project).not.toContain(rejected);
      expect(plan.events.repository).not.toContain(rejected);
    }
    expect(plan.events.project).toContain("project:modified");
    expect(plan.events.repository).not.toContain("project:modified");
  });

  it("skips archived repositories on 8.7 (read-only: no events) but hooks every other one", async () => {
    const f = await start({ version: "8.7.2" });
    const archived = f.fake.state.repositoryBySlug("P001", "repo-00004");
    if (archived === undefined) throw new Error("no repo-00004");
    archived.archived = true;

    await f.installer().sync();

    expect(f.ours()).toEqual(REPOSITORY_HOOKS.filter((where) => where !== "repository P001/repo-00004"));
  });

  it("a dry run (planSync) writes nothing and apply carries the plan out", async () => {
    const f = await start({ version: "9.4.2" });
    const installer = f.installer();

    const plan = await installer.planSync();
    const writesAfterPlan = f.writes();
    const report = await installer.apply(plan);

    expect(writesAfterPlan).toEqual([]);
    expect(
      plan.scopes.map((scope) => [
        scope.label,
        scope.state === "planned" ? scope.changes.map((change) => change.action) : scope.state,
      ]),
    ).toEqual([
      ["project P001", ["create"]],
      ["project P002", ["create"]],
      ["project P003", ["create"]],
    ]);
    expect(report.counts.created).toBe(3);
    expect(f.ours()).toEqual(PROJECT_HOOKS);
  });

  it("keeps the secret out of plans, reports, listings and log lines", async () => {
    const f = await start({ version: "9.4.2" });
    const installer = f.installer();

    const plan = await installer.planSync();
    const report = await installer.apply(plan);
    const listing = await installer.list({ includeForeign: true });
    f.logger.info({ echoed: `the secret is ${SECRET}` }, "A careless line");

    expect(report.counts.created).toBe(3);
    for (const text of [JSON.stringify(plan), JSON.stringify(report), JSON.stringify(listing), ...f.lines]) {
      expect(text).not.toContain(SECRET);
    }
    expect(f.hooks().every((hook) => hook.name === NAME && hook.configuration.secret === SECRET)).toBe(true);
  });
});
