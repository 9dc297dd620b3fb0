import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { BitbucketClient } from "../../../relay/bitbucket/client";
import type { WebhookScope } from "../../../relay/bitbucket/webhooks";
import { parseBitbucketTimestamp } from "../../../shared/bitbucket/timestamp";
import { verifyWebhookSignature } from "../../../shared/crypto/hmac";
import { entityKeyOf } from "../../../shared/events/entity-ref";
import { routeEvent, subscribableEventKeys } from "../../../shared/events/routing";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import type { DeliveryRecord } from "../../fakes/bitbucket-server/webhook-dispatcher";
import { clientFor } from "./support/client-for";
import { parseJson } from "./support/fetch-json";
import { VirtualClock } from "./support/virtual-clock";
import { WebhookReceiver } from "./support/webhook-receiver";

const PROJECT: WebhookScope = { type: "project", projectKey: "P001" };
const REPO_1: WebhookScope = { type: "repository", projectKey: "P001", repositorySlug: "repo-00001" };
const REPO = { projectKey: "P001", repositorySlug: "repo-00001" };

function header(value: string | string[] | undefined): string | null {
  return typeof value === "string" ? value : null;
}

/** What the relay would make of each delivery: `eventKey -> entity key (<- previous)`, deduplicated. */
function routed(deliveries: readonly DeliveryRecord[]): string[] {
  const out = new Set<string>();
  for (const delivery of deliveries) {
    const result = routeEvent(delivery.eventKey, JSON.parse(delivery.body));
    if (result.result !== "routed") throw new Error(`${delivery.eventKey} was not routed: ${JSON.stringify(result)}`);
    const previous = result.previous === undefined ? "" : ` <- ${entityKeyOf(result.previous)}`;
    out.add(`${delivery.eventKey} -> ${result.entityKey}${previous}`);
  }
  return [...out];
}

describe("webhook delivery from the fake", () => {
  let fake: FakeBitbucketServer;
  let receiver: WebhookReceiver;
  let client: BitbucketClient;
  let clock: VirtualClock;

  async function setUp(version: string): Promise<void> {
    clock = new VirtualClock();
    fake = await FakeBitbucketServer.start({ version, clock });
    fake.generate({
      seed: 8,
      projects: 2,
      repositories: 4,
      pullRequests: 0,
      users: 4,
      emptyRatio: 0,
      archivedRatio: 0,
    });
    client = clientFor(fake, { clock });
    const events = (scope: "project" | "repository") => subscribableEventKeys(scope);
    await client.webhooks.create({
      scope: PROJECT,
      webhook: {
        name: "relay-project",
        url: receiver.url("/project"),
        events: events("project"),
        active: true,
        configuration: { secret: "project-secret" },
      },
    });
    await client.webhooks.create({
      scope: REPO_1,
      webhook: {
        name: "relay-repo",
        url: receiver.url("/repo"),
        events: events("repository"),
        active: true,
        configuration: { secret: "repo-secret" },
      },
    });
  }

  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });

  afterEach(async () => {
    await fake.stop();
    await receiver.stop();
  });

  it("fires the repository hook and its project hook: two deliveries, two request ids, each signed with its own secret", async () => {
    await setUp("9.4.2");

    const opened = await fake.mutations.openPullRequest({ ...REPO, title: "Add a feature", fromBranch: "feature/a" });
    const elsewhere = await fake.mutations.openPullRequest({
      projectKey: "P001",
      repositorySlug: "repo-00003",
      title: "Elsewhere",
      fromBranch: "feature/b",
    });

    expect(opened.deliveries.map((d) => d.outcome)).toEqual(["SUCCESS", "SUCCESS"]);
    expect(elsewhere.deliveries).toHaveLength(1);
    const [first, second] = receiver.received;
    if (first === undefined || second === undefined) throw new Error("two deliveries expected");
    expect(header(first.headers["x-request-id"])).not.toBe(header(second.headers["x-request-id"]));
    for (const delivery of [first, second]) {
      expect(header(delivery.headers["x-event-key"])).toBe("pr:opened");
      expect(header(delivery.headers["content-type"])).toBe("application/json; charset=utf-8");
      expect(header(delivery.headers["user-agent"])).toBe(
        "Atlassian HttpClient 4.2.0 / Bitbucket-9.4.2 (9004002) / Default",
      );
      expect(header(delivery.headers["x-hub-signature"])).toMatch(/^sha256=[0-9a-f]{64}$/);
    }
    const projectDelivery = receiver.received.find((d) => d.path === "/project");
    const repoDelivery = receiver.received.find((d) => d.path === "/repo");
    if (projectDelivery === undefined || repoDelivery === undefined) throw new Error("a delivery per hook expected");
    const signature = (d: typeof first) => header(d.headers["x-hub-signature"]);
    expect(await verifyWebhookSignature(signature(projectDelivery), projectDelivery.body, ["project-secret"])).toBe(0);
    expect(await verifyWebhookSignature(signature(projectDelivery), projectDelivery.body, ["repo-secret"])).toBe(-1);
    expect(await verifyWebhookSignature(signature(repoDelivery), repoDelivery.body, ["repo-secret"])).toBe(0);
    const payload = parseJson(
      projectDelivery.body.toString(),
      z.object({ date: z.string(), pullRequest: z.looseObject({ createdDate: z.unknown(), id: z.number() }) }),
    );
    expect(payload.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    expect(typeof payload.pullRequest.createdDate).toBe("number");
    expect(routed(opened.deliveries)).toEqual([`pr:opened -> pull-request:P001/repo-00001/${payload.pullRequest.id}`]);
  });

  it("sends no signature for a hook without a secret, and an unsigned diagnostics:ping for the test endpoint", async () => {
    await setUp("9.4.2");
    const repo3: WebhookScope = { type: "repository", projectKey: "P001", repositorySlug: "repo-00003" };
    await client.webhooks.create({
      scope: repo3,
      webhook: { name: "plain", url: receiver.url("/plain"), events: ["repo:refs_changed"], active: true },
    });
    await client.webhooks.create({
      scope: repo3,
      webhook: {
        name: "basic",
        url: receiver.url("/basic"),
        events: ["repo:refs_changed"],
        active: true,
        credentials: { username: "hook", password: "hook-password" },
      },
    });

    await fake.mutations.pushCommits({ projectKey: "P001", repositorySlug: "repo-00003" });
    const plain = receiver.received.find((d) => d.path === "/plain");
    if (plain === undefined) throw new Error("no delivery to the hook without a secret");
    const basic = receiver.received.find((d) => d.path === "/basic");
    const ping = await client.webhooks.test({ scope: REPO_1, url: receiver.url("/ping") });
    const pinged = receiver.received.at(-1);

    expect(plain.headers["x-hub-signature"]).toBeUndefined();
    expect(plain.headers.authorization).toBeUndefined();
    expect(basic?.headers.authorization).toBe(`Basic ${Buffer.from("hook:hook-password").toString("base64")}`);
    expect(ping.response?.statusCode).toBe(200);
    expect(header(pinged?.headers["x-event-key"])).toBe("diagnostics:ping");
    expect(pinged?.headers["x-hub-signature"]).toBeUndefined();
    expect(pinged?.body.toString()).toBe('{"test": true}');
  });

  it("speaks the 10.x dialect (ISO-8601 timestamps) when the fake plays 10.x", async () => {
    await setUp("10.2.1");

    const opened = await fake.mutations.openPullRequest({ ...REPO, title: "Dated", fromBranch: "feature/iso" });
    const merged = await fake.mutations.mergePullRequest({ ...REPO, pullRequestId: opened.value.id });

    const prPayload = parseJson(
      opened.deliveries[0]?.body ?? "{}",
      z.looseObject({ pullRequest: z.looseObject({ createdDate: z.unknown() }) }),
    );
    const push = merged.deliveries.find((d) => d.eventKey === "repo:refs_changed");
    const pushPayload = parseJson(
      push?.body ?? "{}",
      z.looseObject({ toCommit: z.looseObject({ committerTimestamp: z.unknown() }), commits: z.array(z.unknown()) }),
    );
    expect(prPayload.pullRequest.createdDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(parseBitbucketTimestamp(prPayload.pullRequest.createdDate)).toBe(opened.value.createdDate);
    expect(pushPayload.toCommit.committerTimestamp).toMatch(/Z$/);
    expect(pushPayload.commits.length).toBeGreaterThan(0);
  });

  it("delivers, for every change, the event that the relay routes to the changed entity", async () => {
    await setUp("9.4.2");
    const m = fake.mutations;
    const pr = (await m.openPullRequest({ ...REPO, title: "Work", fromBranch: "feature/w" })).value.id;
    const ref = { ...REPO, pullRequestId: pr };
    const key = `pull-request:P001/repo-00001/${pr}`;
    const sequence: [string, () => Promise<{ deliveries: DeliveryRecord[] }>, string[]][] = [
      ["modified", () => m.updatePullRequest({ ...ref, title: "Better work" }), [`pr:modified -> ${key}`]],
      ["reviewers", () => m.updateReviewers({ ...ref, add: ["user-0002"] }), [`pr:reviewer:updated -> ${key}`]],
      ["approved", () => m.approvePullRequest({ ...ref, actorSlug: "user-0002" }), [`pr:reviewer:approved -> ${key}`]],
      [
        "needs work",
        () => m.needsWorkPullRequest({ ...ref, actorSlug: "user-0002" }),
        [`pr:reviewer:needs_work -> ${key}`],
      ],
      [
        "unapproved",
        () => m.unapprovePullRequest({ ...ref, actorSlug: "user-0002" }),
        [`pr:reviewer:unapproved -> ${key}`],
      ],
      ["comment", () => m.addPullRequestComment({ ...ref, text: "LGTM" }), [`pr:comment:added -> ${key}`]],
      [
        "comment edited",
        () => m.editPullRequestComment({ ...ref, commentId: 1, text: "LGTM!" }),
        [`pr:comment:edited -> ${key}`],
      ],
      ["comment deleted", () => m.deletePullRequestComment({ ...ref, commentId: 1 }), [`pr:comment:deleted -> ${key}`]],
      [
        "push to the PR's branch",
        () => m.pushCommits({ ...REPO, branch: "feature/w" }),
        ["repo:refs_changed -> repository:P001/repo-00001", `pr:from_ref_updated -> ${key}`],
      ],
      [
        "merged",
        () => m.mergePullRequest(ref),
        [`pr:merged -> ${key}`, "repo:refs_changed -> repository:P001/repo-00001"],
      ],
      [
        "renamed",
        () => m.renameRepository({ projectKey: "P001", repositorySlug: "repo-00003", name: "Renamed Three" }),
        ["repo:modified -> repository:P001/renamed-three <- repository:P001/repo-00003"],
      ],
      [
        "moved (its own hook follows it)",
        () => m.moveRepository({ ...REPO, toProjectKey: "P002" }),
        ["repo:modified -> repository:P002/repo-00001 <- repository:P001/repo-00001"],
      ],
      [
        "forked",
        () =>
          m.forkRepository({
            projectKey: "P001",
            repositorySlug: "renamed-three",
            toProjectKey: "P002",
            name: "My Fork",
          }),
        ["repo:forked -> repository:P002/my-fork"],
      ],
      [
        "mirror",
        () => m.synchronizeMirror({ projectKey: "P001", repositorySlug: "renamed-three" }),
        ["mirror:repo_synchronized -> repository:P001/renamed-three"],
      ],
      [
        "project key",
        () => m.renameProjectKey({ projectKey: "P001", newKey: "PX01" }),
        ["project:modified -> project:PX01 <- project:P001"],
      ],
      [
        "created, archived, deleted: no event",
        async () => {
          await m.createRepository({ projectKey: "PX01", name: "Brand New" });
          await m.archiveRepository({ projectKey: "PX01", repositorySlug: "brand-new" });
          return m.deleteRepository({ projectKey: "PX01", repositorySlug: "brand-new" });
        },
        [],
      ],
    ];
    for (const [name, run, expected] of sequence) {
      const got = routed((await run()).deliveries);
      expect(got, name).toEqual(expected);
    }

    const declined = (
      await m.openPullRequest({
        projectKey: "PX01",
        repositorySlug: "renamed-three",
        title: "Nope",
        fromBranch: "feature/n",
      })
    ).value.id;
    const nope = { projectKey: "PX01", repositorySlug: "renamed-three", pullRequestId: declined };
    const closing = [
      await m.declinePullRequest(nope),
      await m.reopenPullRequest(nope),
      await m.deletePullRequest(nope),
    ];
    expect(closing.map((result) => routed(result.deliveries))).toEqual([
      [`pr:declined -> pull-request:PX01/renamed-three/${declined}`],
      [`pr:opened -> pull-request:PX01/renamed-three/${declined}`],
      [`pr:deleted -> pull-request:PX01/renamed-three/${declined}`],
    ]);
  });

  it("records outcomes, opens the circuit after 5 failures (events then dropped) and closes it after the skip", async () => {
    await setUp("9.4.2");
    receiver.status = 500;
    const target = { projectKey: "P001", repositorySlug: "repo-00003" };
    const outcomes: string[] = [];

    for (let i = 0; i < 7; i++)
      outcomes.push(...(await fake.mutations.pushCommits(target)).deliveries.map((d) => d.outcome));
    const [projectHook] = await client.webhooks.list({ scope: PROJECT });
    if (projectHook === undefined) throw new Error("no project hook");
    const failing = await client.webhooks.statisticsSummary({ scope: PROJECT, webhookId: projectHook.id });
    clock.advance(10_001);
    receiver.status = 200;
    outcomes.push(...(await fake.mutations.pushCommits(target)).deliveries.map((d) => d.outcome));
    const healthy = await client.webhooks.statisticsSummary({ scope: PROJECT, webhookId: projectHook.id });

    expect(outcomes).toEqual(["FAILURE", "FAILURE", "FAILURE", "FAILURE", "FAILURE", "SKIPPED", "SKIPPED", "SUCCESS"]);
    expect(receiver.received).toHaveLength(6);
    expect(failing?.counts).toMatchObject({ successes: 0, failures: 5, errors: 0 });
    expect(failing?.lastFailure?.result?.outcome).toBe("FAILURE");
    expect(healthy?.counts).toMatchObject({ successes: 1, failures: 5 });
    expect(healthy?.lastSuccess?.event).toBe("repo:refs_changed");
  });

  it("dispatches in the background when told to, as Bitbucket does (fire and forget)", async () => {
    await setUp("9.4.2");
    fake.settings.dispatch = "background";

    const result = await fake.mutations.pushCommits({ projectKey: "P001", repositorySlug: "repo-00003" });
    await fake.dispatcher.idle();

    expect(result.deliveries).toEqual([]);
    expect(receiver.received.map((d) => header(d.headers["x-event-key"]))).toEqual(["repo:refs_changed"]);
    expect(fake.dispatcher.deliveries.at(-1)?.outcome).toBe("SUCCESS");
  });

  it("records an unreachable endpoint as an ERROR", async () => {
    await setUp("9.4.2");
    const gone = receiver.url("/gone");
    await receiver.stop();
    const [projectHook] = await client.webhooks.list({ scope: PROJECT });
    if (projectHook === undefined) throw new Error("no project hook");
    await client.webhooks.update({
      scope: PROJECT,
      webhookId: projectHook.id,
      webhook: { name: "relay-project", url: gone, events: ["repo:refs_changed"], active: true },
    });

    const result = await fake.mutations.pushCommits({ projectKey: "P001", repositorySlug: "repo-00003" });
    const summary = await client.webhooks.statisticsSummary({ scope: PROJECT, webhookId: projectHook.id });

    expect(result.deliveries.map((d) => d.outcome)).toEqual(["ERROR"]);
    expect(summary?.counts).toMatchObject({ errors: 1 });
    receiver = await WebhookReceiver.start();
  });
});
