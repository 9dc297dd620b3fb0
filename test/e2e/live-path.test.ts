import { afterEach, describe, expect, it } from "vitest";
import type { FakeBitbucketServer } from "../fakes/bitbucket-server/index";
import { FakePort } from "../fakes/port/fake-port";
import { type LiveFixture, startLiveFixture, WEBHOOK_SECRET, waitFor } from "../support/live-fixture";
import { DEFAULT_BLUEPRINTS } from "../support/resync-fixture";
import { deliverWebhook } from "../support/webhook-delivery";

/**
 * The live path end to end, through the real Worker in workerd and the real `bbrelay run`: the fake Bitbucket
 * delivers signed webhooks for every event kind, the agent drains them, and the catalog ends equal to what a fresh
 * resync of the fake computes.
 */

/** Every key a project webhook subscribes to (the alias `pr:reviewer:changes_requested` is covered below). */
const EVERY_SUBSCRIBED_KEY = [
  "pr:opened",
  "pr:modified",
  "pr:from_ref_updated",
  "pr:merged",
  "pr:declined",
  "pr:deleted",
  "pr:reviewer:updated",
  "pr:reviewer:approved",
  "pr:reviewer:unapproved",
  "pr:reviewer:needs_work",
  "pr:comment:added",
  "pr:comment:edited",
  "pr:comment:deleted",
  "repo:modified",
  "repo:refs_changed",
  "repo:forked",
  "mirror:repo_synchronized",
  "project:modified",
];

const INSTANCE = { seed: 11, projects: 2, repositories: 4, pullRequests: 8, users: 4, emptyRatio: 0, archivedRatio: 0 };
const fixtures: LiveFixture[] = [];

async function fixture(...args: Parameters<typeof startLiveFixture>): Promise<LiveFixture> {
  const started = await startLiveFixture(...args);
  fixtures.push(started);
  return started;
}

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

function openPullRequestOf(fake: FakeBitbucketServer) {
  for (const repository of fake.state.repositories.values()) {
    const pr = fake.state.pullRequestsOf(repository.id).find((candidate) => candidate.state === "OPEN");
    if (pr !== undefined)
      return {
        projectKey: fake.state.requireProject(repository.projectId).key,
        repositorySlug: repository.slug,
        pullRequestId: pr.id,
      };
  }
  throw new Error("the generated instance has no open pull request");
}

function repositoryOf(fake: FakeBitbucketServer, index = 0) {
  const repository = [...fake.state.repositories.values()].filter((candidate) => candidate.branches.size > 0)[index];
  if (repository === undefined) throw new Error("no repository with commits");
  return { projectKey: fake.state.requireProject(repository.projectId).key, repositorySlug: repository.slug };
}

describe("the live path", () => {
  it("converges on the fake's state after webhooks of every event kind", async () => {
    const live = await fixture();
    live.fake.generate(INSTANCE);
    const agent = live.startAgent();
    await live.waitFirstResync();
    const { fake } = live;
    const repo = repositoryOf(fake);
    const [otherProject] = [...fake.state.projects.values()].filter(
      (project) => project.key !== repo.projectKey && project.type === "NORMAL",
    );
    if (otherProject === undefined) throw new Error("a second project is needed");

    const opened = await fake.mutations.openPullRequest({
      ...repo,
      title: "Live one",
      fromBranch: "feature/live",
      description: "first",
    });
    const pr = { ...repo, pullRequestId: opened.value.id };
    await fake.mutations.updatePullRequest({ ...pr, title: "Live one, renamed" });
    await fake.mutations.updateReviewers({ ...pr, add: ["user-0001"] });
    await fake.mutations.approvePullRequest({ ...pr, actorSlug: "user-0001" });
    await fake.mutations.needsWorkPullRequest({ ...pr, actorSlug: "user-0001" });
    await fake.mutations.unapprovePullRequest({ ...pr, actorSlug: "user-0001" });
    const comment = await fake.mutations.addPullRequestComment({ ...pr, text: "looks good" });
    await fake.mutations.editPullRequestComment({ ...pr, commentId: comment.value, text: "looks great" });
    await fake.mutations.deletePullRequestComment({ ...pr, commentId: comment.value });
    await fake.mutations.pushCommits({ ...repo, branch: "feature/live", count: 2 });
    await fake.mutations.mergePullRequest(pr);
    const other = openPullRequestOf(fake);
    await fake.mutations.declinePullRequest(other);
    const doomed = await fake.mutations.openPullRequest({ ...repo, title: "Short-lived", fromBranch: "feature/gone" });
    await fake.mutations.deletePullRequest({ ...repo, pullRequestId: doomed.value.id });
    await fake.mutations.pushCommits({ ...repo, count: 1, message: "default branch moves" });
    await fake.mutations.synchronizeMirror(repo);
    await fake.mutations.forkRepository({ ...repo, toProjectKey: otherProject.key, name: "Forked copy" });
    const second = repositoryOf(fake, 1);
    await fake.mutations.renameRepository({ ...second, name: "Renamed repository" });
    const third = repositoryOf(fake, 2);
    await fake.mutations.moveRepository({ ...third, toProjectKey: otherProject.key });
    await fake.mutations.renameProjectKey({ projectKey: repo.projectKey, newKey: `${repo.projectKey}X` });
    await live.waitDrained(60_000);

    expect(live.entities()).toEqual(await live.oracle());
    const delivered = new Set(fake.dispatcher.deliveries.map((delivery) => delivery.eventKey));
    expect([...delivered].sort()).toEqual([...EVERY_SUBSCRIBED_KEY].sort());
    const stats = await live.stats();
    expect(stats.deadLetters).toBe(0);
    expect(stats.counters).toMatchObject({ received: fake.dispatcher.deliveries.length, ignored: 0, badSignatures: 0 });
    expect((await agent.stop()).code).toBe(0);
  }, 180_000);

  it("writes the same live changes into Port (the fake) as into the local catalog", async () => {
    const port = await FakePort.start({ blueprints: DEFAULT_BLUEPRINTS });
    try {
      const live = await fixture({ port });
      live.fake.generate(INSTANCE);
      const agent = live.startAgent();
      await live.waitFirstResync();
      const repo = repositoryOf(live.fake);
      const opened = await live.fake.mutations.openPullRequest({
        ...repo,
        title: "Into Port",
        fromBranch: "feature/port",
      });
      await live.fake.mutations.mergePullRequest({ ...repo, pullRequestId: opened.value.id });
      await live.fake.mutations.renameRepository({ ...repositoryOf(live.fake, 1), name: "Renamed for Port" });
      await live.waitDrained();

      expect(live.entities()).toEqual(await live.oracle());
      expect(port.requestsTo("POST", "/entities/bulk").length).toBeGreaterThan(0);
      expect((await agent.stop()).code).toBe(0);
    } finally {
      await port.close();
    }
  }, 120_000);

  it("converges whatever the order and however often a delivery arrives", async () => {
    const live = await fixture();
    live.fake.generate(INSTANCE);
    const agent = live.startAgent();
    await live.waitFirstResync();
    const repo = repositoryOf(live.fake);
    const opened = await live.fake.mutations.openPullRequest({
      ...repo,
      title: "Reordered",
      fromBranch: "feature/order",
    });
    const merged = await live.fake.mutations.mergePullRequest({ ...repo, pullRequestId: opened.value.id });
    await live.waitDrained();

    // The same delivery twice (same X-Request-Id: deduplicated by the edge), then the old `pr:opened` again with a
    // new id (a late, reordered delivery): the agent re-reads the PR and keeps it MERGED.
    const [mergedDelivery] = merged.deliveries.filter((delivery) => delivery.eventKey === "pr:merged");
    const [openedDelivery] = opened.deliveries;
    if (mergedDelivery === undefined || openedDelivery === undefined) throw new Error("no deliveries recorded");
    const duplicate = await deliverWebhook(live.edge.url, "default", {
      eventKey: "pr:merged",
      body: mergedDelivery.body,
      secret: WEBHOOK_SECRET,
      requestId: mergedDelivery.requestId,
    });
    await deliverWebhook(live.edge.url, "default", {
      eventKey: "pr:opened",
      body: openedDelivery.body,
      secret: WEBHOOK_SECRET,
    });
    await deliverWebhook(live.edge.url, "default", {
      eventKey: "pr:reviewer:changes_requested",
      body: openedDelivery.body.replace('"pr:opened"', '"pr:reviewer:changes_requested"'),
      secret: WEBHOOK_SECRET,
    });
    await live.waitDrained();

    expect(duplicate.status).toBe(202);
    expect(await duplicate.json()).toMatchObject({ duplicate: true });
    const entity = live
      .entities()
      .find((candidate) => candidate.identifier === `${repo.projectKey}/${repo.repositorySlug}/${opened.value.id}`);
    expect(entity?.properties).toMatchObject({ state: "MERGED" });
    expect(live.entities()).toEqual(await live.oracle());
    expect((await agent.stop()).code).toBe(0);
  }, 120_000);

  it("loses nothing when the edge restarts with its state while the agent is away", async () => {
    const live = await fixture();
    live.fake.generate(INSTANCE);
    const first = live.startAgent();
    await live.waitFirstResync();
    expect((await first.stop()).code).toBe(0);
    const repo = repositoryOf(live.fake);
    await live.fake.mutations.openPullRequest({ ...repo, title: "While away", fromBranch: "feature/away" });
    await live.fake.mutations.renameRepository({ ...repositoryOf(live.fake, 1), name: "Renamed while away" });
    const backlog = (await live.stats()).backlog;

    await live.edge.restart();
    expect((await live.stats()).backlog).toBe(backlog);
    const second = live.startAgent();
    await live.waitDrained();

    expect(backlog).toBeGreaterThan(0);
    expect(live.entities()).toEqual(await live.oracle());
    expect((await second.stop()).code).toBe(0);
  }, 120_000);

  it("dead-letters an event whose processing can never succeed, with the reason", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { DEFAULT_MAPPING_YAML } = await import("../../relay/config/default-mapping");
    const mappingFile = join(mkdtempSync(join(tmpdir(), "bbrelay-poison-")), "mapping.yaml");
    writeFileSync(
      mappingFile,
      DEFAULT_MAPPING_YAML.replace(
        '      query: "true"\n      state: ALL',
        '      query: if .title == "poison" then error("poison pill") else true end\n      state: ALL',
      ),
    );
    const live = await fixture({ mappingFile });
    live.fake.generate(INSTANCE);
    const agent = live.startAgent();
    await live.waitFirstResync();

    await live.fake.mutations.openPullRequest({
      ...repositoryOf(live.fake),
      title: "poison",
      fromBranch: "feature/poison",
    });
    await waitFor(async () => (await live.stats()).deadLetters === 1, 30_000, "a dead letter");

    const { deadLetters } = await live.edgeClient.deadLetters();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ eventKey: "pr:opened", reason: expect.stringContaining("poison pill") });
    expect((await agent.stop()).code).toBe(0);
  }, 120_000);

  it("dead-letters at once an event whose write the catalog refuses, with the reason, and bbrelay status counts it", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { DEFAULT_MAPPING_YAML } = await import("../../relay/config/default-mapping");
    const { bbrelay } = await import("../support/cli-runner");
    // Only a pull request titled "Bad …" maps a number into the string property `description`.
    const mappingFile = join(mkdtempSync(join(tmpdir(), "bbrelay-refused-")), "mapping.yaml");
    const pullRequestFields =
      "            description: .description\n            state: .state\n            draft: .draft";
    if (!DEFAULT_MAPPING_YAML.includes(pullRequestFields)) throw new Error("the built-in mapping changed");
    writeFileSync(
      mappingFile,
      DEFAULT_MAPPING_YAML.replace(
        pullRequestFields,
        pullRequestFields.replace(".description", 'if (.title | startswith("Bad")) then 42 else .description end'),
      ),
    );
    const live = await fixture({ mappingFile });
    live.fake.generate(INSTANCE);
    const agent = live.startAgent();
    await live.waitFirstResync();

    await live.fake.mutations.openPullRequest({
      ...repositoryOf(live.fake),
      title: "Bad PR",
      fromBranch: "feature/bad",
    });
    await live.fake.mutations.openPullRequest({
      ...repositoryOf(live.fake),
      title: "Good PR",
      fromBranch: "feature/ok",
    });
    await live.waitDrained();

    const stats = await live.stats();
    expect(stats).toMatchObject({ deadLetters: 1, counters: { dead: 1, retried: 0 } });
    const { deadLetters } = await live.edgeClient.deadLetters();
    expect(deadLetters[0]).toMatchObject({
      eventKey: "pr:opened",
      attempts: 1,
      reason: expect.stringContaining("the catalog refused"),
    });
    expect(deadLetters[0]?.reason).toContain("properties.description: must be of type string (got number)");
    expect(live.entities().find((entity) => entity.title === "Good PR")).toBeDefined();
    const status = await bbrelay(["status", "--json"], { env: live.env });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ edge: { deadLetters: 1, counters: { dead: 1 } } });
    const human = await bbrelay(["status"], { env: live.env, tty: true });
    expect(human.stdout).toContain("1 dead letters");
    expect((await agent.stop()).code).toBe(0);
  }, 120_000);
});
