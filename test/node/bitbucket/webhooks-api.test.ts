import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { WebhookInput, WebhookScope } from "../../../relay/bitbucket/webhooks";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { clientFor, failure } from "./support/client-for";
import { fetchJson, RawPage } from "./support/fetch-json";

const PROJECT: WebhookScope = { type: "project", projectKey: "P001" };
const REPOSITORY: WebhookScope = { type: "repository", projectKey: "P001", repositorySlug: "repo-00001" };

function hook(overrides: Partial<WebhookInput> = {}): WebhookInput {
  return {
    name: "bbrelay",
    url: "https://edge.example.com/webhooks/default",
    events: ["pr:opened", "pr:merged", "repo:refs_changed"],
    active: true,
    configuration: { secret: "hook-secret-123", createdBy: "bbrelay" },
    ...overrides,
  };
}

describe("webhook management through the client", () => {
  let fake: FakeBitbucketServer;

  beforeEach(async () => {
    fake = await FakeBitbucketServer.start({ version: "8.10.0", pageCaps: { webhooks: 10 } });
    fake.generate({
      seed: 4,
      projects: 2,
      repositories: 4,
      pullRequests: 0,
      users: 3,
      emptyRatio: 0,
      archivedRatio: 0,
    });
  });

  afterEach(async () => {
    await fake.stop();
  });

  it.each([
    ["project", PROJECT],
    ["repository", REPOSITORY],
  ])("creates, reads, updates and deletes a %s hook", async (scopeType, scope) => {
    const client = clientFor(fake);

    const created = await client.webhooks.create({ scope, webhook: hook() });
    const listed = await client.webhooks.list({ scope });
    const updated = await client.webhooks.update({
      scope,
      webhookId: created.id,
      webhook: hook({ events: ["pr:declined"], active: false }),
    });
    const read = await client.webhooks.get({ scope, webhookId: created.id });
    const deleted = await client.webhooks.delete({ scope, webhookId: created.id });
    const deletedAgain = await client.webhooks.delete({ scope, webhookId: created.id });

    expect(created).toMatchObject({
      name: "bbrelay",
      scopeType,
      active: true,
      events: ["pr:opened", "pr:merged", "repo:refs_changed"],
    });
    expect(listed.map((entry) => entry.id)).toEqual([created.id]);
    expect(listed[0]?.configuration).toEqual({ createdBy: "bbrelay" });
    expect(updated).toMatchObject({ id: created.id, events: ["pr:declined"], active: false });
    expect(read?.events).toEqual(["pr:declined"]);
    expect([deleted, deletedAgain]).toEqual([true, false]);
    expect(await client.webhooks.get({ scope, webhookId: created.id })).toBeNull();
  });

  it.each(["pr:to_ref_updated", "pr:reviewer:changes_requested", "proj:modified"])(
    "rejects the documented but unknown event key %s, creating nothing",
    async (eventKey) => {
      const client = clientFor(fake);

      const error = await failure(
        client.webhooks.create({ scope: PROJECT, webhook: hook({ events: ["pr:opened", eventKey] }) }),
      );

      expect(error.kind).toBe("bad-request");
      expect(error.status).toBe(400);
      expect(error.bitbucketMessages).toEqual([`the event ${eventKey} is unknown`]);
      expect(await client.webhooks.list({ scope: PROJECT })).toEqual([]);
    },
  );

  it("has no project hooks before 8.8, nor project:modified", async () => {
    fake.settings.version = "8.7.0";
    const client = clientFor(fake);

    const project = await failure(client.webhooks.create({ scope: PROJECT, webhook: hook() }));
    const projectEvent = await failure(
      client.webhooks.create({ scope: REPOSITORY, webhook: hook({ events: ["project:modified"] }) }),
    );
    const repository = await client.webhooks.create({ scope: REPOSITORY, webhook: hook() });

    expect(project.kind).toBe("not-found");
    expect(projectEvent.bitbucketMessages).toEqual(["the event project:modified is unknown"]);
    expect(repository.scopeType).toBe("repository");
  });

  it("lists every page of hooks (Ocean read only the first)", async () => {
    const client = clientFor(fake);
    for (let i = 0; i < 25; i++)
      await client.webhooks.create({ scope: REPOSITORY, webhook: hook({ name: `hook-${i}` }) });

    const all = await client.webhooks.list({ scope: REPOSITORY });

    expect(all.map((entry) => entry.name)).toEqual(Array.from({ length: 25 }, (_, i) => `hook-${i}`));
    expect(
      fake.requests.countWhere((entry) => entry.method === "GET" && entry.path.endsWith("/repo-00001/webhooks")),
    ).toBe(3);
  });

  it("needs admin rights on the scope (401 otherwise), and shows project hooks in a repository's search", async () => {
    const reader = fake.addUser({ name: "reader", password: "reader-password" });
    fake.grant(reader, "PROJECT_READ", { projectKey: "P001" });
    const client = clientFor(fake, { auth: { kind: "basic", username: "reader", password: "reader-password" } });
    const admin = clientFor(fake);
    await admin.webhooks.create({ scope: PROJECT, webhook: hook({ name: "project-hook" }) });
    await admin.webhooks.create({ scope: REPOSITORY, webhook: hook({ name: "repo-hook" }) });

    const denied = await failure(client.webhooks.create({ scope: PROJECT, webhook: hook() }));
    const search = `${fake.url}/rest/api/1.0/projects/P001/repos/repo-00001/webhooks/search?scopeType=repository&scopeType=project`;
    const found = (
      await fetchJson(
        search,
        RawPage.extend({ values: z.array(z.object({ name: z.string(), scopeType: z.string() }).loose()) }),
      )
    ).values;

    expect(denied.kind).toBe("unauthorized");
    expect(found.map((entry) => `${entry.scopeType}:${entry.name}`).sort()).toEqual([
      "project:project-hook",
      "repository:repo-hook",
    ]);
  });
});
