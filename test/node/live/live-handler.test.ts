import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { LiveEntitySync } from "../../../relay/live/live-entity-sync";
import { LiveHandler } from "../../../relay/live/live-handler";
import { ResyncCoordinator } from "../../../relay/live/resync-coordinator";
import { EntityWriter } from "../../../relay/sync/entity-writer";
import type { LeasedMessage } from "../../../shared/protocol/schema";
import type { DeliveryRecord } from "../../fakes/bitbucket-server/index";
import { type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";

/**
 * The live handler on its own (no edge): each fake delivery becomes a leased message; the catalog is checked after.
 */

const fixtures: ResyncFixture[] = [];
afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

async function setup(mappingYaml?: string) {
  let mapping;
  if (mappingYaml !== undefined) {
    const file = join(mkdtempSync(join(tmpdir(), "bbrelay-live-mapping-")), "mapping.yaml");
    writeFileSync(file, mappingYaml);
    mapping = { kind: "file" as const, path: file };
  }
  const started = await startResyncFixture(mapping === undefined ? {} : { mapping });
  fixtures.push(started);
  started.fake.generate({
    seed: 13,
    projects: 1,
    repositories: 2,
    pullRequests: 3,
    users: 3,
    emptyRatio: 0,
    archivedRatio: 0,
  });
  // A hook so that mutations produce deliveries (sent nowhere: the handler gets them directly).
  const [project] = [...started.fake.state.projects.values()];
  if (project === undefined) throw new Error("no project");
  await started.client.webhooks.create({
    scope: { type: "project", projectKey: project.key },
    webhook: {
      name: "test",
      url: "http://127.0.0.1:9/unused",
      events: ["pr:opened", "pr:merged", "pr:deleted", "repo:refs_changed", "repo:modified"],
      active: true,
    },
  });
  const writer = new EntityWriter({
    catalog: started.catalog,
    state: started.state,
    upsertOptions: { merge: true, createMissingRelatedEntities: true },
  });
  const handler = new LiveHandler({
    client: started.client,
    mapping: started.mapping,
    sync: new LiveEntitySync({ mapping: started.mapping, writer }),
    resyncs: new ResyncCoordinator((signal) => started.resync({ signal })),
    logger: started.logger,
  });
  expect((await started.resync()).status).toBe("succeeded");
  const [repository] = [...started.fake.state.repositories.values()];
  if (repository === undefined) throw new Error("no repository");
  return { started, handler, repo: { projectKey: project.key, repositorySlug: repository.slug } };
}

function messageOf(delivery: DeliveryRecord, attempts = 1): LeasedMessage {
  return {
    id: delivery.requestId,
    leaseId: `lease-${delivery.requestId}`,
    type: "event",
    eventKey: delivery.eventKey,
    entityKey: null,
    receivedAt: 0,
    attempts,
    leaseExpiresAt: Date.now() + 60_000,
    payload: JSON.parse(delivery.body) as unknown,
  };
}

function catalog(started: ResyncFixture): LocalCatalog {
  return started.catalog as LocalCatalog;
}

const signal = new AbortController().signal;

describe("the live handler", () => {
  it("deletes a pull request that no longer passes its selector (merged while only OPEN ones are synced)", async () => {
    const { started, handler, repo } = await setup(
      DEFAULT_MAPPING_YAML.replace("      state: ALL", "      state: OPEN"),
    );
    const opened = await started.fake.mutations.openPullRequest({
      ...repo,
      title: "Soon merged",
      fromBranch: "feature/m",
    });
    const identifier = `${repo.projectKey}/${repo.repositorySlug}/${opened.value.id}`;
    const [openedDelivery] = opened.deliveries;
    if (openedDelivery === undefined) throw new Error("no delivery");
    expect(await handler.handle(messageOf(openedDelivery), signal)).toEqual({ action: "ack" });
    expect(await started.catalog.get("bitbucketPullRequest", identifier)).not.toBeNull();

    const merged = await started.fake.mutations.mergePullRequest({ ...repo, pullRequestId: opened.value.id });
    const mergedDelivery = merged.deliveries.find((delivery) => delivery.eventKey === "pr:merged");
    if (mergedDelivery === undefined) throw new Error("no pr:merged delivery");

    expect(await handler.handle(messageOf(mergedDelivery), signal)).toEqual({ action: "ack" });
    expect(await started.catalog.get("bitbucketPullRequest", identifier)).toBeNull();
  });

  it("deletes on pr:deleted from the payload, and on a 404 when the PR is gone before its event is handled", async () => {
    const { started, handler, repo } = await setup();
    const first = await started.fake.mutations.openPullRequest({ ...repo, title: "Deleted", fromBranch: "feature/d1" });
    const second = await started.fake.mutations.openPullRequest({ ...repo, title: "Gone", fromBranch: "feature/d2" });
    for (const delivery of [...first.deliveries, ...second.deliveries])
      await handler.handle(messageOf(delivery), signal);
    const deleted = await started.fake.mutations.deletePullRequest({ ...repo, pullRequestId: first.value.id });
    // The second PR is deleted too, but its (late) pr:opened arrives again: the re-read answers 404.
    await started.fake.mutations.deletePullRequest({ ...repo, pullRequestId: second.value.id });
    const [deletedDelivery] = deleted.deliveries;
    const [lateDelivery] = second.deliveries;
    if (deletedDelivery === undefined || lateDelivery === undefined) throw new Error("no delivery");

    expect(await handler.handle(messageOf(deletedDelivery), signal)).toEqual({ action: "ack" });
    expect(await handler.handle(messageOf(lateDelivery), signal)).toEqual({ action: "ack" });

    const prefix = `${repo.projectKey}/${repo.repositorySlug}/`;
    expect(await started.catalog.get("bitbucketPullRequest", `${prefix}${first.value.id}`)).toBeNull();
    expect(await started.catalog.get("bitbucketPullRequest", `${prefix}${second.value.id}`)).toBeNull();
  });

  it("refreshes a repository on a push to its default branch only", async () => {
    const { started, handler, repo } = await setup();
    const identifier = `${repo.projectKey}/${repo.repositorySlug}`;
    const before = await started.catalog.get("bitbucketRepository", identifier);
    const side = await started.fake.mutations.pushCommits({ ...repo, branch: "feature/side", count: 1 });
    const sideRequests = started.fake.requests.entries.length;
    for (const delivery of side.deliveries) await handler.handle(messageOf(delivery), signal);
    const afterSide = await started.catalog.get("bitbucketRepository", identifier);
    const readsForSide = started.fake.requests.entries.slice(sideRequests).map((entry) => entry.path);

    const main = await started.fake.mutations.pushCommits({ ...repo, count: 1, message: "on main" });
    for (const delivery of main.deliveries) await handler.handle(messageOf(delivery), signal);
    const afterMain = await started.catalog.get("bitbucketRepository", identifier);

    expect(readsForSide.every((path) => path.endsWith("/branches/default"))).toBe(true);
    expect(afterSide?.properties.last_commit).toBe(before?.properties.last_commit);
    expect(afterMain?.properties.last_commit).toBe(main.value);
    expect(afterMain?.properties.last_commit).not.toBe(before?.properties.last_commit);
  });

  it("moves a renamed repository and its pull requests to their new identifiers", async () => {
    const { started, handler, repo } = await setup();
    const prsBefore = catalog(started)
      .query({ blueprint: "bitbucketPullRequest" })
      .filter((pr) => pr.identifier.startsWith(`${repo.projectKey}/${repo.repositorySlug}/`));
    const renamed = await started.fake.mutations.renameRepository({ ...repo, name: "Brand New" });
    const [delivery] = renamed.deliveries;
    if (delivery === undefined) throw new Error("no delivery");

    expect(await handler.handle(messageOf(delivery), signal)).toEqual({ action: "ack" });

    expect(await started.catalog.get("bitbucketRepository", `${repo.projectKey}/${repo.repositorySlug}`)).toBeNull();
    expect(await started.catalog.get("bitbucketRepository", `${repo.projectKey}/brand-new`)).toMatchObject({
      title: "Brand New",
    });
    const prsAfter = catalog(started)
      .query({ blueprint: "bitbucketPullRequest" })
      .filter((pr) => pr.identifier.startsWith(`${repo.projectKey}/brand-new/`));
    expect(prsAfter).toHaveLength(prsBefore.length);
    expect(
      catalog(started)
        .query({ blueprint: "bitbucketPullRequest" })
        .filter((pr) => pr.identifier.startsWith(`${repo.projectKey}/${repo.repositorySlug}/`)),
    ).toEqual([]);
  });

  it("retries with a growing delay while Bitbucket fails, and dead-letters a payload that names nothing", async () => {
    const { started, handler, repo } = await setup();
    const opened = await started.fake.mutations.openPullRequest({ ...repo, title: "Flaky", fromBranch: "feature/f" });
    const [delivery] = opened.deliveries;
    if (delivery === undefined) throw new Error("no delivery");
    started.fake.faults.add({
      method: "GET",
      path: /\/pull-requests\/\d+$/,
      nth: 1,
      times: 1_000,
      action: { type: "status", status: 503 },
    });

    const first = await handler.handle(messageOf(delivery, 1), signal);
    const third = await handler.handle(messageOf(delivery, 3), signal);
    const invalid = await handler.handle(
      { ...messageOf(delivery), payload: { eventKey: "pr:opened", pullRequest: { id: 1 } } },
      signal,
    );

    expect(first).toMatchObject({ action: "retry", delayMs: 5_000, reason: expect.stringContaining("Bitbucket") });
    expect(third).toMatchObject({ action: "retry", delayMs: 20_000 });
    expect(invalid).toMatchObject({ action: "dead", reason: expect.stringContaining("pullRequest.toRef") });
  });

  it("dead-letters at once, without a retry, an event whose read Bitbucket refuses as invalid (a 4xx)", async () => {
    const { started, handler, repo } = await setup();
    const opened = await started.fake.mutations.openPullRequest({ ...repo, title: "Refused", fromBranch: "feature/r" });
    const [delivery] = opened.deliveries;
    if (delivery === undefined) throw new Error("no delivery");
    started.fake.faults.add({
      method: "GET",
      path: /\/pull-requests\/\d+$/,
      nth: 1,
      times: 1_000,
      action: { type: "status", status: 400, message: "The pull request id is not valid" },
    });
    const before = started.fake.requests.count;

    const outcome = await handler.handle(messageOf(delivery, 1), signal);

    expect(outcome).toMatchObject({ action: "dead", reason: expect.stringContaining("Bitbucket refused the request") });
    expect(outcome).toMatchObject({ reason: expect.stringContaining("The pull request id is not valid") });
    // One request: the client does not retry a 400 either.
    expect(
      started.fake.requests.entries.slice(before).filter((entry) => /\/pull-requests\/\d+$/.test(entry.path)),
    ).toHaveLength(1);
  });
});

describe("a write the catalog refuses on the live path", () => {
  it("is dead-lettered at once with the field, the blueprint and the fix", async () => {
    // Only a PR titled "Bad …" maps a number into the string property `description`.
    const { started, handler, repo } = await setup(
      DEFAULT_MAPPING_YAML.replace(
        "            description: .description\n            state: .state\n            draft: .draft",
        '            description: if (.title | startswith("Bad")) then 42 else .description end\n            state: .state\n            draft: .draft',
      ),
    );
    const opened = await started.fake.mutations.openPullRequest({ ...repo, title: "Bad PR", fromBranch: "feature/b" });
    const [delivery] = opened.deliveries;
    if (delivery === undefined) throw new Error("no delivery");

    const outcome = await handler.handle(messageOf(delivery), signal);

    expect(outcome).toMatchObject({ action: "dead" });
    const reason = outcome.action === "dead" ? outcome.reason : "";
    expect(reason).toContain("properties.description: must be of type string (got number)");
    expect(reason).toContain(
      'fix: change the mapping\'s properties.description to a value blueprint "bitbucketPullRequest" accepts',
    );
  });
});
