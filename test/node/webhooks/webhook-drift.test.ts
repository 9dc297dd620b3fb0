import { describe, expect, it } from "vitest";
import type { ChangeOutcome, WebhookReport } from "../../../relay/webhooks/sync-report";
import { verifyWebhookSignature } from "../../../shared/crypto/hmac";
import type { WebhookRecord } from "../../fakes/bitbucket-server/model";
import { NAME, SECRET, type WebhookFixture, webhookFixtures } from "./support/webhook-fixture";

const start = webhookFixtures();

/** The outcomes of one scope, by label. */
function outcomesOf(report: WebhookReport, label: string): ChangeOutcome[] {
  const scope = report.scopes.find((entry) => entry.label === label);
  if (scope === undefined) throw new Error(`no scope ${label} in the report`);
  return scope.state === "done" ? scope.outcomes : [];
}

/** Our hook in a scope, in the fake. */
function ourHookIn(f: WebhookFixture, where: string): WebhookRecord {
  const found = f.hooks().find((hook) => hook.where === where && hook.name === NAME);
  if (found === undefined) throw new Error(`no hook of ours in ${where}`);
  return f.hook(found.id);
}

async function signedWith(f: WebhookFixture, secret: string): Promise<boolean> {
  const delivery = f.receiver.received.at(-1);
  const signature = delivery?.headers["x-hub-signature"];
  return (
    (await verifyWebhookSignature(
      typeof signature === "string" ? signature : null,
      delivery?.body ?? new Uint8Array(),
      [secret],
    )) === 0
  );
}

describe("webhook drift is repaired, and only what drifted is written", () => {
  it.each([
    {
      what: "events changed by hand",
      change: (hook: WebhookRecord) => void (hook.events = ["repo:refs_changed"]),
      drift: ["events"],
    },
    {
      what: "URL changed by hand",
      change: (hook: WebhookRecord) => void (hook.url = "https://old-edge.example.com/webhooks/acme"),
      drift: ["url"],
    },
    { what: "deactivated", change: (hook: WebhookRecord) => void (hook.active = false), drift: ["active"] },
    {
      what: "SSL verification switched off",
      change: (hook: WebhookRecord) => void (hook.sslVerificationRequired = false),
      drift: ["sslVerificationRequired"],
    },
  ])("$what (9.4: project hook)", async ({ change, drift }) => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();
    const before = f.hooks();
    const hook = ourHookIn(f, "project P002");
    change(hook);
    f.fake.requests.clear();

    const repair = await f.installer().sync();
    const repairWrites = f.writes().map((entry) => `${entry.method} ${entry.path}`);
    f.fake.requests.clear();
    const after = await f.installer().sync();

    expect(outcomesOf(repair, "project P002")).toEqual([
      { result: "updated", webhookId: hook.id, drift, forced: false },
    ]);
    expect(repair.counts).toMatchObject({ updated: 1, unchanged: 2, created: 0, removed: 0, failed: 0 });
    expect(repairWrites).toEqual([`PUT /rest/api/1.0/projects/P002/webhooks/${hook.id}`]);
    expect(f.hooks()).toEqual(before);
    expect(after.counts).toMatchObject({ unchanged: 3, updated: 0 });
    expect(f.writes()).toEqual([]);
  });

  it("repairs a repository hook whose events were changed by hand (8.7)", async () => {
    const f = await start({ version: "8.7.2" });
    await f.installer().sync();
    const hook = ourHookIn(f, "repository P003/repo-00006");
    hook.events = ["pr:opened"];
    hook.active = false;

    const report = await f.installer().sync();

    expect(outcomesOf(report, "repository P003/repo-00006")).toEqual([
      { result: "updated", webhookId: hook.id, drift: ["events", "active"], forced: false },
    ]);
    expect(report.counts).toMatchObject({ updated: 1, unchanged: 8 });
    expect(hook.active).toBe(true);
    expect(hook.events).toContain("pr:reviewer:needs_work");
  });

  it("applies a rotated secret to every hook of ours (the fingerprint tells), and deliveries are signed with it", async () => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();
    const rotated = "whsec-acme-rotated-91c2e0";

    const report = await f.installer({ target: { url: f.url, name: NAME, secret: rotated } }).sync();
    await f.fake.mutations.pushCommits({ projectKey: "P001", repositorySlug: "repo-00004" });

    expect(report.counts).toMatchObject({ updated: 3, unchanged: 0 });
    for (const scope of report.scopes) {
      expect(
        scope.state === "done" ? scope.outcomes.map((outcome) => outcome.result === "updated" && outcome.drift) : null,
      ).toEqual([["secret"]]);
    }
    expect(f.hooks().map((hook) => hook.configuration.secret)).toEqual([rotated, rotated, rotated]);
    expect(await signedWith(f, rotated)).toBe(true);
    expect(await signedWith(f, SECRET)).toBe(false);
  });

  it("notices a secret changed in Bitbucket's UI when the server returns secrets", async () => {
    const f = await start({ version: "9.4.2", webhookSecretsReadable: true });
    await f.installer().sync();
    const hook = ourHookIn(f, "project P001");
    hook.configuration.secret = "typed-by-hand";

    const report = await f.installer().sync();

    expect(outcomesOf(report, "project P001")).toEqual([
      { result: "updated", webhookId: hook.id, drift: ["secret"], forced: false },
    ]);
    expect(hook.configuration.secret).toBe(SECRET);
  });

  it("cannot see a secret changed by hand when the server hides secrets, and forceUpdate repairs it", async () => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();
    const hook = ourHookIn(f, "project P001");
    hook.configuration.secret = "typed-by-hand";

    const plain = await f.installer().sync();
    const forced = await f.installer().sync({ forceUpdate: true });

    expect(outcomesOf(plain, "project P001")).toEqual([{ result: "unchanged", webhookId: hook.id }]);
    expect(forced.counts).toMatchObject({ updated: 3, unchanged: 0 });
    expect(outcomesOf(forced, "project P001")).toEqual([
      { result: "updated", webhookId: hook.id, drift: [], forced: true },
    ]);
    expect(hook.configuration.secret).toBe(SECRET);
  });

  it("keeps the best of several hooks of ours in one scope and deletes the duplicates", async () => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();
    const good = ourHookIn(f, "project P003");
    // A copy made by hand: our name and URL, but an old event list and no configuration of ours.
    const copy = f.addHook(
      { projectKey: "P003" },
      { name: NAME, url: f.url, events: ["pr:opened"], configuration: {} },
    );

    const report = await f.installer().sync();

    expect(outcomesOf(report, "project P003")).toEqual([
      { result: "unchanged", webhookId: good.id },
      { result: "removed", webhookId: copy, reason: "duplicate" },
    ]);
    expect(f.ours()).toEqual(["project P001", "project P002", "project P003"]);
  });

  it("adopts a hook with our name and URL but without our configuration, writing the secret and the markers", async () => {
    const f = await start({
      version: "9.4.2",
      instance: { seed: 5, projects: 1, repositories: 2, pullRequests: 0, users: 2 },
    });
    const id = f.addHook(
      { projectKey: "P001" },
      { name: NAME, url: f.url, events: ["repo:refs_changed"], configuration: {} },
    );

    const report = await f.installer().sync();
    f.fake.requests.clear();
    const again = await f.installer().sync();

    expect(outcomesOf(report, "project P001")).toEqual([
      { result: "updated", webhookId: id, drift: ["events", "secret", "configuration"], forced: false },
    ]);
    expect(f.hook(id).configuration).toMatchObject({ secret: SECRET, createdBy: "bbrelay" });
    expect(again.counts).toMatchObject({ unchanged: 1, updated: 0, created: 0 });
    expect(f.writes()).toEqual([]);
  });
});
