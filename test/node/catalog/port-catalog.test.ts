import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { CatalogEntity } from "../../../relay/catalog/catalog";
import { CatalogUnavailableError } from "../../../relay/catalog/catalog-unavailable-error";
import { PortCatalog } from "../../../relay/catalog/port/port-catalog";
import { Logger } from "../../../relay/log/logger";
import {
  blueprintsWithRequiredRelations,
  collect,
  identity,
  project,
  pullRequest,
  repository,
  SEED_BLUEPRINTS,
  user,
} from "./fixtures/catalog-fixtures";
import { type PortHarness, startPortHarness } from "./fixtures/port-harness";

const WRITE = { merge: true, createMissingRelatedEntities: false };
const USER_AGENT = "port-ocean/bitbucket-relay/0.1.0/default/exporter";

let harness: PortHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(...args: Parameters<typeof startPortHarness>): Promise<PortHarness> {
  harness = await startPortHarness(...args);
  return harness;
}

function users(count: number, prefix = "u"): CatalogEntity[] {
  return Array.from({ length: count }, (_, index) => user(`${prefix}${String(index).padStart(3, "0")}@example.com`));
}

/** How many entities a bulk request carried. */
function entityCount(body: unknown): number {
  return typeof body === "object" && body !== null && "entities" in body && Array.isArray(body.entities)
    ? body.entities.length
    : -1;
}

describe("Port client: authentication", () => {
  it("gets one token, reuses it, and sends a User-Agent that Port records as the datasource", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS });

    await catalog.upsert([project("A")], WRITE);
    await catalog.upsert([project("B")], WRITE);
    await catalog.upsert([project("C")], WRITE);

    expect(fake.requestsTo("POST", "/auth/access_token")).toHaveLength(1);
    expect(fake.requests.every((request) => request.userAgent === USER_AGENT)).toBe(true);
    expect(fake.entity("bitbucketProject", "B")?.datasource).toBe(USER_AGENT);
  });

  it("renews the token when it expires, before Port refuses it", async () => {
    const { fake, catalog, clock } = await start({ blueprints: SEED_BLUEPRINTS, tokenTtlSeconds: 3600 });
    await catalog.upsert([project("A")], WRITE);

    clock.advance(3600 * 1000);
    await catalog.upsert([project("B")], WRITE);

    expect(fake.tokensIssued).toBe(2);
    expect(fake.requests.filter((request) => request.status === 401)).toEqual([]);
    const bulks = fake.requestsTo("POST", "/entities/bulk");
    expect(bulks[0]?.token).not.toBe(bulks[1]?.token);
  });

  it("renews the token once after a 401 and retries the request", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS });
    await catalog.upsert([project("A")], WRITE);
    fake.revokeToken();

    const results = await catalog.upsert([project("B")], WRITE);

    expect(results.map((result) => result.result)).toEqual(["created"]);
    expect(fake.requests.map((request) => `${request.method} ${request.path} ${request.status}`).slice(2)).toEqual([
      "POST /v1/blueprints/bitbucketProject/entities/bulk 401",
      "POST /v1/auth/access_token 200",
      "POST /v1/blueprints/bitbucketProject/entities/bulk 200",
    ]);
  });

  it("fails as a whole on refused credentials, saying what to fix and never the secret", async () => {
    const { fake } = await start({ blueprints: SEED_BLUEPRINTS });
    const catalog = new PortCatalog({
      baseUrl: fake.url,
      clientId: fake.clientId,
      clientSecret: "wrong-secret-value-1234",
      identity: identity(),
      log: new Logger({ stream: new Writable({ write: (_chunk, _encoding, done) => done() }), format: "json" }),
    });

    const error = await catalog.upsert([project("A")], WRITE).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CatalogUnavailableError);
    expect(error).toMatchObject({
      kind: "credentials",
      message: expect.stringContaining("PORT_CLIENT_ID and PORT_CLIENT_SECRET"),
    });
    expect(error instanceof Error ? error.message : "").not.toContain("wrong-secret-value-1234");
  });

  it("never writes a token or the client secret into its logs", async () => {
    const { fake, catalog, logText } = await start({ blueprints: SEED_BLUEPRINTS });
    fake.throttle(1, "retry-after", 1);
    await catalog.upsert([project("A")], WRITE);
    fake.revokeToken();
    await catalog.upsert([project("B")], WRITE);

    const tokens = [
      ...new Set(fake.requests.map((request) => request.token).filter((token): token is string => token !== null)),
    ];

    expect(tokens).toHaveLength(2);
    expect(logText()).toContain("Port request");
    for (const secret of [fake.clientSecret, ...tokens]) expect(logText()).not.toContain(secret);
  });
});

describe("Port client: bulk upserts", () => {
  it("sends at most 20 entities a request with the configured flags, results in input order", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS });
    const entities = users(45);

    const results = await catalog.upsert(entities, { merge: false, createMissingRelatedEntities: true });

    const bulks = fake.requestsTo("POST", "/entities/bulk");
    expect(bulks.map((request) => entityCount(request.body)).sort()).toEqual([20, 20, 5]);
    expect(bulks[0]?.query).toEqual({ upsert: "true", merge: "false", create_missing_related_entities: "true" });
    expect(results.map((result) => (result.result === "created" ? result.identifier : result.result))).toEqual(
      entities.map((entity) => entity.identifier),
    );
    expect(fake.store.entities()).toHaveLength(45);
  });

  it("writes runs of different blueprints in input order, so targets exist before the entities relating to them", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS }, { concurrency: 4 });
    const projects = Array.from({ length: 45 }, (_, index) => project(`P${index}`));
    const repositories = Array.from({ length: 45 }, (_, index) => repository(`P${index}`, "api"));

    const results = await catalog.upsert([...projects, ...repositories], WRITE);

    expect(results.every((result) => result.result === "created")).toBe(true);
    expect(fake.requestsTo("POST", "/entities/bulk").map((request) => request.path.split("/")[3])).toEqual([
      ...Array.from({ length: 3 }, () => "bitbucketProject"),
      ...Array.from({ length: 3 }, () => "bitbucketRepository"),
    ]);
  });

  it("turns a 207 into per-entity results with Port's status, code and message", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS });
    await catalog.upsert([project("P"), repository("P", "r", { relations: { project: "P" } })], WRITE);

    const results = await catalog.upsert(
      [
        pullRequest("P", "r", 1),
        pullRequest("P", "r", 2, { properties: { state: "CLOSED" } }),
        pullRequest("P", "r", 3, { relations: { repository: "P/missing", participants: [] } }),
        pullRequest("P", "r", 4),
      ],
      WRITE,
    );

    expect(fake.requestsTo("POST", "/entities/bulk").at(-1)?.status).toBe(207);
    expect(results).toEqual([
      { result: "created", blueprint: "bitbucketPullRequest", identifier: "P/r/1" },
      {
        result: "failed",
        blueprint: "bitbucketPullRequest",
        identifier: "P/r/2",
        error: { status: 422, code: "invalid_request", message: expect.stringContaining('"CLOSED" must be one of') },
      },
      {
        result: "failed",
        blueprint: "bitbucketPullRequest",
        identifier: "P/r/3",
        error: { status: 404, code: "not_found", message: expect.stringContaining('"P/missing"') },
      },
      { result: "created", blueprint: "bitbucketPullRequest", identifier: "P/r/4" },
    ]);
  });

  it("fails an identifier Port's route schema refuses without sending it", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS });

    const results = await catalog.upsert([project("GOOD"), project("NOT GOOD")], WRITE);

    expect(results.map((result) => result.result)).toEqual(["created", "failed"]);
    expect(results[1]).toMatchObject({ error: { status: 422, code: "invalid_request" } });
    expect(JSON.stringify(fake.requests.map((request) => request.body))).not.toContain("NOT GOOD");
  });

  it("falls back to single upserts when Port answers 413 to a bulk body", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS, maxBodyBytes: 4096 });
    const entities = Array.from({ length: 5 }, (_, index) =>
      project(`P${index}`, { properties: { description: "d".repeat(1500) } }),
    );

    const results = await catalog.upsert(entities, WRITE);

    expect(
      fake.requests.slice(1).map((request) => `${request.path.replace(/^.*\/entities/, "entities")} ${request.status}`),
    ).toEqual(["entities/bulk 413", "entities 201", "entities 201", "entities 201", "entities 201", "entities 201"]);
    expect(results.every((result) => result.result === "created")).toBe(true);
  });

  it("splits bulk bodies to stay under 1 MiB and refuses alone an entity larger than 1 MiB", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS });
    const entities = Array.from({ length: 7 }, (_, index) =>
      project(`BIG${index}`, { properties: { description: "x".repeat(300_000) } }),
    );
    entities.push(project("HUGE", { properties: { description: "x".repeat(1_100_000) } }));

    const results = await catalog.upsert(entities, WRITE);

    const bulks = fake.requestsTo("POST", "/entities/bulk");
    expect(bulks.map((request) => entityCount(request.body))).toEqual([3, 3, 1]);
    expect(Math.max(...fake.requests.map((request) => request.bodyBytes))).toBeLessThanOrEqual(1024 * 1024);
    expect(results.slice(0, 7).every((result) => result.result === "created")).toBe(true);
    expect(results[7]).toMatchObject({ result: "failed", error: { status: 413, code: "payload_too_large" } });
    expect(fake.store.entities()).toHaveLength(7);
  });

  it("resolves a search identifier, and reports one that matches nothing as unresolved", async () => {
    const { catalog } = await start({ blueprints: SEED_BLUEPRINTS });
    await catalog.upsert([user("ann@example.com")], WRITE);
    const byName = (name: string) => ({
      combinator: "and" as const,
      rules: [{ property: "username", operator: "=", value: name }],
    });

    const results = await catalog.upsert(
      [user("x", { identifier: byName("ann"), title: "Ann" }), user("y", { identifier: byName("bob") })],
      WRITE,
    );

    expect(results).toEqual([
      { result: "updated", blueprint: "bitbucketUser", identifier: "ann@example.com" },
      { result: "unresolved", blueprint: "bitbucketUser", identifier: byName("bob"), message: expect.any(String) },
    ]);
  });
});

describe("Port client: rate limits and server errors", () => {
  it.each([
    ["Retry-After", "retry-after" as const, 7, 7000],
    ["x-ratelimit-reset as epoch seconds", "reset-epoch" as const, 30, 30_000],
    ["x-ratelimit-reset as seconds until the reset", "reset-seconds" as const, 12, 12_000],
  ])("waits as %s says on a 429, then succeeds", async (_, header, seconds, expectedMs) => {
    const { fake, catalog, sleeps } = await start({ blueprints: SEED_BLUEPRINTS });
    fake.throttle(2, header, seconds);

    const results = await catalog.upsert([project("A")], WRITE);

    expect(sleeps).toEqual([expectedMs, expectedMs]);
    expect(fake.requestsTo("POST", "/entities/bulk").map((request) => request.status)).toEqual([429, 429, 200]);
    expect(results[0]?.result).toBe("created");
  });

  it("retries 5xx with exponential backoff", async () => {
    const { fake, catalog, sleeps } = await start({ blueprints: SEED_BLUEPRINTS });
    fake.failNext(503, 502, 500);

    await catalog.upsert([project("A")], WRITE);

    expect(sleeps).toEqual([300, 600, 1200]);
    expect(fake.entity("bitbucketProject", "A")).not.toBeNull();
  });

  it("gives up after the last attempt and fails the catalog as a whole", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS }, { maxAttempts: 3 });
    fake.failNext(503, 503, 503);

    const error = await catalog.upsert([project("A")], WRITE).catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      name: "CatalogUnavailableError",
      kind: "server_error",
      message: expect.stringContaining("HTTP 503"),
    });
    expect(fake.requestsTo("POST", "/entities/bulk")).toHaveLength(3);
  });
});

describe("Port client: deletes", () => {
  async function withTree(): Promise<PortHarness> {
    const started = await start({ blueprints: blueprintsWithRequiredRelations() });
    await started.catalog.upsert(
      [
        project("P"),
        repository("P", "api"),
        pullRequest("P", "api", 1),
        user("a@x.io"),
        user("b@x.io"),
        user("c@x.io"),
      ],
      {
        merge: true,
        createMissingRelatedEntities: false,
      },
    );
    return started;
  }

  it("refuses an entity with dependents without delete_dependents and deletes nothing", async () => {
    const { fake, catalog } = await withTree();

    const results = await catalog.delete([{ blueprint: "bitbucketProject", identifier: "P" }], {
      deleteDependents: false,
    });

    expect(results).toEqual([
      {
        result: "failed",
        blueprint: "bitbucketProject",
        identifier: "P",
        error: expect.objectContaining({ code: "has_dependents" }),
      },
    ]);
    expect(fake.requestsTo("DELETE", "/entities/P")[0]?.query).toEqual({ delete_dependents: "false" });
    expect(fake.store.entities()).toHaveLength(6);
  });

  it("deletes the dependents too with delete_dependents", async () => {
    const { fake, catalog } = await withTree();

    const results = await catalog.delete([{ blueprint: "bitbucketProject", identifier: "P" }], {
      deleteDependents: true,
    });

    expect(results[0]?.result).toBe("deleted");
    expect(fake.store.entities().map((entity) => entity.blueprint)).toEqual([
      "bitbucketUser",
      "bitbucketUser",
      "bitbucketUser",
    ]);
  });

  it("deletes consecutive keys of a blueprint in one bulk request and reports an absent one as not_found", async () => {
    const { fake, catalog } = await withTree();

    const results = await catalog.delete(
      ["a@x.io", "gone@x.io", "c@x.io"].map((identifier) => ({ blueprint: "bitbucketUser", identifier })),
      { deleteDependents: true },
    );

    expect(results.map((result) => result.result)).toEqual(["deleted", "not_found", "deleted"]);
    expect(fake.requestsTo("POST", "/bulk/entities/delete")).toHaveLength(1);
    expect(
      fake.store
        .entities()
        .filter((entity) => entity.blueprint === "bitbucketUser")
        .map((entity) => entity.identifier),
    ).toEqual(["b@x.io"]);
  });

  it("isolates the refused entity when a bulk delete fails as a whole", async () => {
    const { catalog } = await withTree();
    await catalog.upsert([repository("P", "web")], WRITE);

    const results = await catalog.delete(
      [
        { blueprint: "bitbucketRepository", identifier: "P/web" },
        { blueprint: "bitbucketRepository", identifier: "P/api" },
      ],
      { deleteDependents: false },
    );

    expect(results.map((result) => result.result)).toEqual(["deleted", "failed"]);
  });
});

describe("Port client: owned entities, reads, blueprints and checks", () => {
  it("lists only this installation's entities by datasource, page by page, before a time and by blueprint", async () => {
    const { fake, catalog, clock } = await start({ blueprints: SEED_BLUEPRINTS }, { listPageSize: 5 });
    const other = new PortCatalog({
      baseUrl: fake.url,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      identity: identity("someone-else"),
      log: new Logger({ stream: new Writable({ write: (_chunk, _encoding, done) => done() }), format: "json" }),
      now: () => clock.now().getTime(),
    });
    await catalog.upsert(users(12), WRITE);
    await other.upsert([project("THEIRS")], WRITE);
    clock.advance(1000);
    const resyncStart = clock.now();
    await catalog.upsert([project("LIVE")], WRITE);

    const all = await collect(catalog.listOwned());
    const before = await collect(
      catalog.listOwned({ updatedBefore: resyncStart, blueprints: ["bitbucketUser", "bitbucketProject"] }),
    );

    expect(all).toHaveLength(13);
    expect(all.some((entity) => entity.identifier === "THEIRS")).toBe(false);
    expect(before.map((entity) => entity.blueprint)).toEqual(Array.from({ length: 12 }, () => "bitbucketUser"));
    expect(fake.requestsTo("POST", "/datasource-entities")[0]?.body).toEqual({
      datasource_prefix: "port-ocean/bitbucket-relay/",
      datasource_suffix: "/default/exporter",
      limit: 5,
    });
    expect(fake.requestsTo("POST", "/datasource-entities")).toHaveLength(3 + 3);
  });

  it("reads an entity back, and null for a missing one", async () => {
    const { catalog } = await start({ blueprints: SEED_BLUEPRINTS });
    await catalog.upsert([project("A")], WRITE);

    expect(await catalog.get("bitbucketProject", "A")).toMatchObject({
      identifier: "A",
      title: "Project A",
      properties: { type: "NORMAL" },
    });
    expect(await catalog.get("bitbucketProject", "nope")).toBeNull();
  });

  it("creates the missing blueprints with their relations, and leaves existing ones", async () => {
    const { fake, catalog } = await start();
    const blueprints = blueprintsWithRequiredRelations();

    const first = await catalog.ensureBlueprints(blueprints);
    const second = await catalog.ensureBlueprints(blueprints);

    expect(first.map((result) => result.result)).toEqual(["created", "created", "created", "created"]);
    expect(second.map((result) => result.result)).toEqual(["exists", "exists", "exists", "exists"]);
    expect(fake.store.blueprint("bitbucketPullRequest")?.relations.repository).toMatchObject({
      target: "bitbucketRepository",
      required: true,
    });
  });

  it("checks reachability, credentials, blueprints and write access for doctor", async () => {
    const { fake, catalog } = await start({ blueprints: SEED_BLUEPRINTS });

    const checks = await catalog.check({ blueprints: ["bitbucketProject", "service"] });

    expect(checks.map((check) => [check.check, check.ok])).toEqual([
      ["reachable", true],
      ["credentials", true],
      ["blueprints", false],
      ["writable", true],
    ]);
    expect(checks[2]?.message).toContain("service");
    expect(fake.requestsTo("POST", "/bitbucketProject/entities")[0]?.query).toEqual({
      upsert: "true",
      validation_only: "true",
    });
    expect(fake.store.entities()).toEqual([]);
  });

  it("reports refused credentials and an unreachable Port with a fix each", async () => {
    const { fake } = await start({ blueprints: SEED_BLUEPRINTS });
    const silent = new Logger({ stream: new Writable({ write: (_chunk, _encoding, done) => done() }), format: "json" });
    const refused = new PortCatalog({
      baseUrl: fake.url,
      clientId: "x",
      clientSecret: "y-wrong",
      identity: identity(),
      log: silent,
    });
    const unreachable = new PortCatalog({
      baseUrl: "http://127.0.0.1:1",
      clientId: "x",
      clientSecret: "y",
      identity: identity(),
      log: silent,
      maxAttempts: 2,
      sleep: async () => undefined,
    });

    const refusedChecks = await refused.check({ blueprints: ["bitbucketProject"] });
    const unreachableChecks = await unreachable.check({ blueprints: ["bitbucketProject"] });

    expect(refusedChecks.map((check) => [check.check, check.ok])).toEqual([
      ["reachable", true],
      ["credentials", false],
    ]);
    expect(refusedChecks[1]?.fix).toContain("PORT_CLIENT_SECRET");
    expect(unreachableChecks).toEqual([
      {
        check: "reachable",
        ok: false,
        message: expect.stringContaining("unreachable"),
        fix: expect.stringContaining("PORT_BASE_URL"),
      },
    ]);
  });
});
