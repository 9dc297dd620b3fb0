import { afterEach, describe, expect, it } from "vitest";
import type { FakeBitbucketServer } from "../fakes/bitbucket-server/index";
import { type LiveFixture, startLiveFixture, WEBHOOK_SECRET } from "../support/live-fixture";
import { deliverWebhook } from "../support/webhook-delivery";

/**
 * Odd but signed deliveries, sent through the real edge (workerd) to the real `bbrelay run` (issue 10): none may
 * stall the live path. After each, a real change to the same pull request must still reach the catalog, and the
 * catalog must end equal to what a fresh resync computes.
 */

const INSTANCE = { seed: 23, projects: 1, repositories: 2, pullRequests: 4, users: 3, emptyRatio: 0, archivedRatio: 0 };
const fixtures: LiveFixture[] = [];

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

async function liveWithAgent() {
  const live = await startLiveFixture();
  fixtures.push(live);
  live.fake.generate(INSTANCE);
  const agent = live.startAgent();
  await live.waitFirstResync();
  return { live, agent };
}

function repositoryOf(fake: FakeBitbucketServer) {
  const repository = [...fake.state.repositories.values()].find((candidate) => candidate.branches.size > 0);
  if (repository === undefined) throw new Error("no repository with commits");
  return { projectKey: fake.state.requireProject(repository.projectId).key, repositorySlug: repository.slug };
}

describe("hostile but signed deliveries through the real edge", () => {
  it("answers event keys Object.prototype holds as ignored, stores none, and the live path goes on", async () => {
    const { live, agent } = await liveWithAgent();
    const repo = repositoryOf(live.fake);
    const opened = await live.fake.mutations.openPullRequest({ ...repo, title: "Before", fromBranch: "feature/a" });
    const [delivery] = opened.deliveries;
    if (delivery === undefined) throw new Error("no delivery recorded");
    await live.waitDrained();

    const answers = [];
    for (const eventKey of ["constructor", "__proto__", "toString"]) {
      const response = await deliverWebhook(live.edge.url, "default", {
        eventKey,
        body: delivery.body.replace('"pr:opened"', JSON.stringify(eventKey)),
        secret: WEBHOOK_SECRET,
      });
      answers.push({ status: response.status, body: await response.json() });
    }
    await live.fake.mutations.updatePullRequest({ ...repo, pullRequestId: opened.value.id, title: "After" });
    await live.waitDrained();

    expect(answers).toEqual(
      ["constructor", "__proto__", "toString"].map((eventKey) => ({ status: 202, body: { ignored: true, eventKey } })),
    );
    const stats = await live.stats();
    expect(stats.counters).toMatchObject({ ignored: 3 });
    expect(stats.deadLetters).toBe(0);
    expect(live.entities()).toEqual(await live.oracle());
    expect(live.entities().find((entity) => entity.title === "After")).toBeDefined();
    expect((await agent.stop()).code).toBe(0);
  }, 120_000);

  it("handles a pull-request event nested 10,000 levels deep, and the pull request's later events", async () => {
    const { live, agent } = await liveWithAgent();
    const repo = repositoryOf(live.fake);
    const opened = await live.fake.mutations.openPullRequest({ ...repo, title: "Deep", fromBranch: "feature/deep" });
    const [delivery] = opened.deliveries;
    if (delivery === undefined) throw new Error("no delivery recorded");
    await live.waitDrained();

    // Built as text: JSON.stringify would overflow the stack on a value this deep.
    let deep = '{"createdDate":"2026-08-19T17:27:55.266Z"}';
    for (let i = 0; i < 10_000; i++) deep = i % 2 === 0 ? `{"a":${deep}}` : `[${deep}]`;
    const body = delivery.body.replace(/^\{/, `{"deep":${deep},`);
    const response = await deliverWebhook(live.edge.url, "default", {
      eventKey: "pr:opened",
      body,
      secret: WEBHOOK_SECRET,
    });
    await live.fake.mutations.updatePullRequest({
      ...repo,
      pullRequestId: opened.value.id,
      title: "Deep, then renamed",
    });
    await live.waitDrained(60_000);

    expect(response.status).toBe(202);
    expect(live.entities().find((entity) => entity.title === "Deep, then renamed")).toBeDefined();
    expect(live.entities()).toEqual(await live.oracle());
    expect((await live.stats()).deadLetters).toBe(0);
    expect((await agent.stop()).code).toBe(0);
  }, 120_000);

  it("maps a pull request whose title is 9.9 MB, and processes the event queued behind it", async () => {
    const { live, agent } = await liveWithAgent();
    const repo = repositoryOf(live.fake);
    const title = "x".repeat(9_900_000);
    const opened = await live.fake.mutations.openPullRequest({ ...repo, title, fromBranch: "feature/huge" });
    const [delivery] = opened.deliveries;
    if (delivery === undefined) throw new Error("no delivery recorded");
    await live.fake.mutations.openPullRequest({ ...repo, title: "Behind", fromBranch: "feature/behind" });
    await live.waitDrained(60_000);

    // Signed and stored by the edge as Bitbucket sent it (under the edge's 10 MiB limit).
    expect(delivery.body.length).toBeGreaterThan(9_900_000);
    expect(delivery.status).toBe(202);
    const entities = live.entities();
    expect(entities.find((entity) => entity.title === "Behind")).toBeDefined();
    const huge = entities.find(
      (entity) => entity.identifier === `${repo.projectKey}/${repo.repositorySlug}/${opened.value.id}`,
    );
    expect(huge?.title?.length).toBe(9_900_000);
    expect((await live.stats()).deadLetters).toBe(0);
    expect((await agent.stop()).code).toBe(0);
  }, 180_000);

  it("refuses a non-ASCII X-Request-Id with a clear 400 rather than storing it mangled", async () => {
    const { live, agent } = await liveWithAgent();
    const repo = repositoryOf(live.fake);
    const opened = await live.fake.mutations.openPullRequest({ ...repo, title: "Ids", fromBranch: "feature/ids" });
    const [delivery] = opened.deliveries;
    if (delivery === undefined) throw new Error("no delivery recorded");
    await live.waitDrained();
    const before = await live.stats();

    const response = await deliverWebhook(live.edge.url, "default", {
      eventKey: "pr:opened",
      body: delivery.body,
      secret: WEBHOOK_SECRET,
      requestId: "id-\u00e9-1",
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: {
        code: "invalid_request_id",
        message: "X-Request-Id must be printable ASCII (Bitbucket sends a UUID); this one holds other bytes",
      },
    });
    expect((await live.stats()).counters).toEqual(before.counters);
    expect((await agent.stop()).code).toBe(0);
  }, 120_000);
});
