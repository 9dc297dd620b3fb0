import { afterEach, describe, expect, it } from "vitest";
import { PortCatalog } from "../../../relay/catalog/port/port-catalog";
import { FakePort } from "../../fakes/port/fake-port";
import {
  DEFAULT_BLUEPRINTS,
  kind,
  type ResyncFixture,
  startResyncFixture,
  TEST_IDENTITY,
} from "../../support/resync-fixture";
import { silentLogger } from "../../support/silent-logger";

/** The same resync, into Port's API (the fake): bulk upserts, 207s, 429s, token expiry, deletes, datasource listing. */

const SMALL = { seed: 8, projects: 2, repositories: 6, pullRequests: 30, users: 6 };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface PortFixture {
  resync: ResyncFixture;
  port: FakePort;
  clock: { now: number };
  sleeps: number[];
}

async function portFixture(options: { blueprints?: unknown } = {}): Promise<PortFixture> {
  const clock = { now: Date.UTC(2026, 10, 25, 12) };
  const sleeps: number[] = [];
  const port = await FakePort.start({
    blueprints: options.blueprints ?? DEFAULT_BLUEPRINTS,
    tokenTtlSeconds: 3_600,
    now: () => clock.now,
  });
  cleanups.push(() => port.close());
  const resync = await startResyncFixture({
    catalog: () =>
      new PortCatalog({
        baseUrl: port.url,
        clientId: port.clientId,
        clientSecret: port.clientSecret,
        identity: TEST_IDENTITY,
        log: silentLogger(),
        now: () => clock.now,
        // Waits are recorded, not slept: the test checks the client waits as long as Port asks.
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      }),
  });
  cleanups.push(() => resync.close());
  resync.fake.generate(SMALL);
  return { resync, port, clock, sleeps };
}

describe("full resync into Port", () => {
  it("writes every entity through bulk upserts of at most 20, with this integration's datasource", async () => {
    const { resync, port } = await portFixture();

    const summary = await resync.resync();

    expect(summary.status).toBe("succeeded");
    expect(kind(summary.kinds, "pull-request")).toMatchObject({ listed: 30, created: 30 });
    const bulks = port.requestsTo("POST", "/entities/bulk");
    expect(bulks.length).toBeGreaterThan(0);
    for (const bulk of bulks) expect(bulk.body).toMatchObject({ entities: expect.any(Array) });
    expect(
      Math.max(...bulks.map((bulk) => (bulk.body as { entities: unknown[] }).entities.length)),
    ).toBeLessThanOrEqual(20);
    expect(
      bulks.every((bulk) => bulk.userAgent === "port-ocean/bitbucket-relay/0.0.0-test/test-install/exporter"),
    ).toBe(true);
    const [pr] = [...resync.fake.state.repositories.values()].flatMap((repository) =>
      resync.fake.state.pullRequestsOf(repository.id).map((p) => ({ repository, p })),
    );
    if (pr === undefined) throw new Error("no PR");
    const project = resync.fake.state.requireProject(pr.repository.projectId);
    expect(port.entity("bitbucketPullRequest", `${project.key}/${pr.repository.slug}/${pr.p.id}`)).toMatchObject({
      relations: { repository: `${project.key}/${pr.repository.slug}` },
    });
  });

  it("sends nothing on a second resync of an unchanged instance, and deletes exactly a removed repository", async () => {
    const { resync, port } = await portFixture();
    expect((await resync.resync()).status).toBe("succeeded");
    const bulksAfterFirst = port.requestsTo("POST", "/entities/bulk").length;

    const second = await resync.resync();
    const [victim] = [...resync.fake.state.repositories.values()].filter(
      (repository) => resync.fake.state.pullRequestsOf(repository.id).length > 0,
    );
    if (victim === undefined) throw new Error("no repository with PRs");
    const project = resync.fake.state.requireProject(victim.projectId);
    const prs = resync.fake.state.pullRequestsOf(victim.id).length;
    await resync.fake.mutations.deleteRepository({ projectKey: project.key, repositorySlug: victim.slug });
    const third = await resync.resync();

    expect(second.kinds.every((entry) => entry.created + entry.updated === 0)).toBe(true);
    expect(port.requestsTo("POST", "/entities/bulk").length).toBe(bulksAfterFirst);
    expect(third.reconcile).toMatchObject({ status: "deleted", deleted: 1 + prs });
    expect(port.entity("bitbucketRepository", `${project.key}/${victim.slug}`)).toBeNull();
  });

  it("deletes nothing and is partial when Port's listing of this integration's entities fails", async () => {
    const { resync, port } = await portFixture();
    expect((await resync.resync()).status).toBe("succeeded");
    const [victim] = [...resync.fake.state.repositories.values()];
    if (victim === undefined) throw new Error("no repository");
    const project = resync.fake.state.requireProject(victim.projectId);
    await resync.fake.mutations.deleteRepository({ projectKey: project.key, repositorySlug: victim.slug });
    // Every attempt of the listing (and its retries) gets a 503: the owned entities are unknown.
    port.failOn("/datasource-entities", 503, 50);

    const summary = await resync.resync();

    expect(summary.status).toBe("partial");
    expect(summary.reconcile.status).toBe("skipped");
    expect(summary.reconcile.reason).toMatch(/the catalog's entities could not be listed/);
    expect(summary.failures).toContainEqual(
      expect.objectContaining({ cause: "catalog-unavailable", kind: null, count: 1 }),
    );
    expect(port.entity("bitbucketRepository", `${project.key}/${victim.slug}`)).not.toBeNull();
  });

  it("waits as long as Port's 429 asks, in both header forms, and still completes", async () => {
    const { resync, port, sleeps } = await portFixture();
    port.throttle(2, "retry-after", 7);
    port.throttle(1, "reset-seconds", 3);

    const summary = await resync.resync();

    expect(summary.status).toBe("succeeded");
    expect(sleeps).toEqual(expect.arrayContaining([7_000, 3_000]));
    expect(kind(summary.kinds, "repository").created).toBe(6);
  });

  it("refreshes the token after it expires between resyncs", async () => {
    const { resync, port, clock } = await portFixture();
    await resync.resync();
    const issued = port.tokensIssued;

    clock.now += 2 * 3_600_000;
    const [project] = [...resync.fake.state.projects.values()];
    if (project === undefined) throw new Error("no project");
    await resync.fake.mutations.createRepository({ projectKey: project.key, name: "New after expiry" });
    const summary = await resync.resync();

    expect(summary.status).toBe("succeeded");
    expect(kind(summary.kinds, "repository").created).toBe(1);
    expect(port.tokensIssued).toBe(issued + 1);
  });

  it("reports entities Port refuses (207) per entity, and keeps going", async () => {
    const blueprints = structuredClone(DEFAULT_BLUEPRINTS) as {
      identifier: string;
      schema: { properties: Record<string, unknown> };
    }[];
    const pullRequest = blueprints.find((blueprint) => blueprint.identifier === "bitbucketPullRequest");
    if (pullRequest === undefined) throw new Error("no PR blueprint");
    pullRequest.schema.properties.state = { type: "string", enum: ["OPEN"] };
    const { resync } = await portFixture({ blueprints });

    const summary = await resync.resync();

    const prs = kind(summary.kinds, "pull-request");
    expect(prs.failed).toBeGreaterThan(0);
    expect(prs.created + prs.failed).toBe(30);
    expect(prs.status).toBe("partial");
    expect(summary.status).toBe("partial");
    expect(summary.failures).toContainEqual(
      expect.objectContaining({
        cause: "schema-mismatch",
        kind: "pull-request",
        blueprint: "bitbucketPullRequest",
        field: "properties.state",
        count: prs.failed,
      }),
    );
    expect(kind(summary.kinds, "repository").failed).toBe(0);
  });
});
