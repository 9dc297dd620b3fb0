import { describe, expect, it } from "vitest";
import type { ListedHook, ScopeListing, WebhookListing } from "../../../relay/webhooks/webhook-listing";
import { VirtualClock } from "../bitbucket/support/virtual-clock";
import { NAME, type WebhookFixture, webhookFixtures } from "./support/webhook-fixture";

const start = webhookFixtures();

function scope(listing: WebhookListing, label: string): Extract<ScopeListing, { state: "read" }> {
  const found = listing.scopes.find((entry) => entry.label === label);
  if (found?.state !== "read") throw new Error(`scope ${label} was not read: ${JSON.stringify(found)}`);
  return found;
}

function ourHook(listing: WebhookListing, label: string): ListedHook {
  const found = scope(listing, label).hooks.find((hook) => hook.ours);
  if (found === undefined) throw new Error(`no hook of ours in ${label}`);
  return found;
}

function ourIdIn(f: WebhookFixture, where: string): number {
  const found = f.hooks().find((hook) => hook.where === where && hook.name === NAME);
  if (found === undefined) throw new Error(`no hook of ours in ${where}`);
  return found.id;
}

describe("listing our hooks with their health (webhooks list, doctor)", () => {
  it("tells healthy, failing and never-delivered hooks apart from Bitbucket's statistics, and shows drift", async () => {
    const clock = new VirtualClock();
    const f = await start({ version: "9.4.2", clock });
    await f.installer().sync();
    // P001: delivered fine. P002: delivered fine, then the edge answered 500. P003: nothing happened there.
    await f.fake.mutations.pushCommits({ projectKey: "P001", repositorySlug: "repo-00001" });
    await f.fake.mutations.pushCommits({ projectKey: "P002", repositorySlug: "repo-00002" });
    clock.advance(60_000);
    f.receiver.status = 500;
    await f.fake.mutations.pushCommits({ projectKey: "P002", repositorySlug: "repo-00005" });
    f.hook(ourIdIn(f, "project P003")).events = ["pr:opened"];
    f.fake.requests.clear();

    const listing = await f.installer().list();

    expect(f.writes()).toEqual([]);
    expect(ourHook(listing, "project P001")).toMatchObject({
      drift: [],
      health: { status: "healthy", counts: { successes: 1, failures: 0, errors: 0 } },
    });
    expect(ourHook(listing, "project P002").health).toMatchObject({
      status: "failing",
      lastOutcome: "FAILURE",
      lastFailureAt: clock.now(),
      lastSuccessAt: clock.now() - 60_000,
      counts: { successes: 1, failures: 1 },
    });
    expect(ourHook(listing, "project P003")).toMatchObject({
      drift: ["events"],
      health: { status: "never-delivered" },
    });
    expect(listing.summary).toEqual({
      wanted: 3,
      present: 3,
      missing: 0,
      drifted: 1,
      healthy: 1,
      failing: 1,
      neverDelivered: 1,
      unknownHealth: 0,
      stray: 0,
      failed: 0,
    });
  });

  it("lists other people's hooks only when asked, marked as not ours", async () => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();
    const foreign = f.addHook({ projectKey: "P001" }, { name: "Jenkins" });

    const ours = await f.installer().list();
    const all = await f.installer().list({ includeForeign: true });

    expect(scope(ours, "project P001").hooks.map((hook) => hook.ours)).toEqual([true]);
    expect(scope(ours, "project P001").otherHooks).toBe(1);
    expect(scope(all, "project P001").hooks.map((hook) => [hook.webhookId === foreign, hook.ours, hook.name])).toEqual([
      [false, true, NAME],
      [true, false, "Jenkins"],
    ]);
    expect(scope(all, "project P001").hooks[1]?.health).toEqual({
      status: "never-delivered",
      counts: { successes: 0, failures: 0, errors: 0 },
    });
  });

  it("reports a missing project hook, and our repository hooks found there as stray", async () => {
    const f = await start({ version: "9.4.2" });
    await f.installer().sync();
    f.fake.state.webhooks.delete(ourIdIn(f, "project P003"));
    f.addHook({ projectKey: "P003", repositorySlug: "repo-00006" }, { name: NAME, url: f.url });

    const listing = await f.installer().list();

    expect(scope(listing, "project P003")).toMatchObject({ missing: true, hooks: [], role: { wanted: true } });
    expect(scope(listing, "repository P003/repo-00006")).toMatchObject({
      missing: false,
      role: { wanted: false, reason: "replaced-by-project-hook" },
    });
    expect(listing.summary).toMatchObject({ wanted: 3, present: 2, missing: 1, stray: 1 });
  });

  it("8.7: one entry per repository, each with its hook", async () => {
    const f = await start({ version: "8.7.2" });
    await f.installer().sync();

    const listing = await f.installer().list();

    expect(listing.mode.scope).toBe("repository");
    expect(listing.scopes).toHaveLength(9);
    expect(listing.summary).toMatchObject({ wanted: 9, present: 9, neverDelivered: 9, drifted: 0 });
  });
});
