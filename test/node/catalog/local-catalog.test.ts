import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlueprintsInvalidError } from "../../../relay/catalog/blueprints-file";
import type { OwnedEntity } from "../../../relay/catalog/catalog";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import {
  blueprintsWithRequiredRelations,
  collect,
  identity,
  manualClock,
  project,
  pullRequest,
  repository,
  SEED_BLUEPRINTS,
  user,
} from "./fixtures/catalog-fixtures";

const WRITE = { merge: true, createMissingRelatedEntities: false };

let dir: string;
let clock: ReturnType<typeof manualClock>;
let catalog: LocalCatalog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bbrelay-local-catalog-"));
  clock = manualClock();
  catalog = LocalCatalog.open({
    path: join(dir, "catalog.sqlite"),
    identity: identity(),
    blueprints: SEED_BLUEPRINTS,
    clock: clock.now,
  });
});

afterEach(async () => {
  await catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("local catalog: storage", () => {
  it("stores one SQLite file in WAL mode that a read-only open sees", async () => {
    await catalog.upsert([project("PROJ")], WRITE);
    await catalog.close();

    const db = new Database(join(dir, "catalog.sqlite"), { readonly: true });
    const mode = db.pragma("journal_mode", { simple: true });
    db.close();
    catalog = LocalCatalog.open({ path: join(dir, "catalog.sqlite"), readonly: true });

    expect(mode).toBe("wal");
    expect(await catalog.get("bitbucketProject", "PROJ")).toMatchObject({
      title: "Project PROJ",
      properties: { type: "NORMAL" },
    });
    expect(
      catalog
        .blueprints()
        .map((blueprint) => blueprint.identifier)
        .sort(),
    ).toEqual(["bitbucketProject", "bitbucketPullRequest", "bitbucketRepository", "bitbucketUser"]);
  });

  it("refuses a read-only open of a file that is not a catalog", () => {
    const path = join(dir, "other.sqlite");
    new Database(path).exec("CREATE TABLE t (x)");

    expect(() => LocalCatalog.open({ path, readonly: true })).toThrow(/is not a bbrelay local catalog/);
  });

  it("reports every problem of invalid blueprints with its path", () => {
    const broken = [
      { identifier: "has space", title: "X", schema: { properties: {} } },
      {
        identifier: "ok",
        title: "Ok",
        schema: { properties: { n: { type: "integer" } }, required: ["missing"] },
        relations: { r: { target: "nowhere" } },
      },
    ];

    let error: unknown;
    try {
      catalog.loadBlueprints(broken, "blueprints.json");
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(BlueprintsInvalidError);
    expect(error instanceof BlueprintsInvalidError ? error.problems : []).toEqual([
      expect.stringMatching(/^\[0\]\.identifier: must match Port's blueprint identifier pattern/),
      expect.stringMatching(/^\[1\]\.schema\.properties\.n\.type: /),
    ]);
  });
});

describe("local catalog: upserts", () => {
  it("creates, then updates, keeping createdAt and moving updatedAt, recording the writer as datasource", async () => {
    const first = await catalog.upsert([project("PROJ")], WRITE);
    clock.advance(60_000);
    const second = await catalog.upsert([project("PROJ", { title: "Renamed" })], WRITE);

    expect(first).toEqual([{ result: "created", blueprint: "bitbucketProject", identifier: "PROJ" }]);
    expect(second).toEqual([{ result: "updated", blueprint: "bitbucketProject", identifier: "PROJ" }]);
    expect(await catalog.get("bitbucketProject", "PROJ")).toMatchObject({
      title: "Renamed",
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:01:00.000Z",
      datasource: "port-ocean/bitbucket-relay/0.1.0/default/exporter",
    });
  });

  it("with merge, keeps the properties a write does not supply; without merge, overrides the whole entity", async () => {
    await catalog.upsert([project("A"), project("B")], WRITE);

    await catalog.upsert([project("A", { title: undefined, properties: { description: "new" } })], {
      ...WRITE,
      merge: true,
    });
    await catalog.upsert([project("B", { title: undefined, properties: { description: "new" } })], {
      ...WRITE,
      merge: false,
    });

    expect(await catalog.get("bitbucketProject", "A")).toMatchObject({
      title: "Project A",
      properties: { public: false, description: "new", type: "NORMAL", link: "https://bb.example.com/projects/A" },
    });
    expect(await catalog.get("bitbucketProject", "B")).toMatchObject({
      title: null,
      properties: { description: "new" },
    });
  });

  it("treats an explicit null as unset, as Port does with Ocean's nulls", async () => {
    await catalog.upsert([project("A")], WRITE);

    await catalog.upsert([project("A", { properties: { description: null } })], WRITE);

    const stored = await catalog.get("bitbucketProject", "A");
    expect(stored?.properties).toEqual({ public: false, type: "NORMAL", link: "https://bb.example.com/projects/A" });
  });

  it.each([
    ["an identifier with a space", project("MY PROJ"), 422, /identifier: must match pattern/],
    ["the identifier '..'", project(".."), 422, /identifier: must match pattern/],
    [
      "a property of the wrong type",
      project("A", { properties: { public: "yes" } }),
      422,
      /properties\.public: must be of type boolean \(got string\)/,
    ],
    [
      "a property the blueprint lacks",
      project("A", { properties: { stars: 3 } }),
      422,
      /properties\.stars: is not a property of blueprint "bitbucketProject"/,
    ],
    [
      "a value outside the enum",
      pullRequest("P", "r", 1, { properties: { state: "CLOSED" } }),
      422,
      /properties\.state: "CLOSED" must be one of \["OPEN","MERGED","DECLINED","SUPERSEDED"\]/,
    ],
    [
      "a date-time without a zone",
      pullRequest("P", "r", 1, { properties: { created_on: "2025-05-20T08:38:44" } }),
      422,
      /properties\.created_on: "2025-05-20T08:38:44" must match format "date-time"/,
    ],
    [
      "Bitbucket's +0000 offset",
      pullRequest("P", "r", 1, { properties: { updated_on: "2025-05-20T08:38:44+0000" } }),
      422,
      /format "date-time"/,
    ],
    [
      "a url property that is not a URL",
      repository("P", "r", { properties: { swagger_url: "see the wiki" } }),
      422,
      /properties\.swagger_url: "see the wiki" must match format "url"/,
    ],
    [
      "a missing required property",
      user("ann@example.com", { properties: { url: "u" } }),
      422,
      /properties\.username: is required by blueprint "bitbucketUser"/,
    ],
    [
      "one identifier for a many relation",
      pullRequest("P", "r", 1, { relations: { participants: "ann@example.com" } }),
      422,
      /relations\.participants: must be an array of identifiers/,
    ],
    [
      "a relation the blueprint lacks",
      repository("P", "r", { relations: { owner: "x" } }),
      422,
      /relations\.owner: is not a relation of blueprint "bitbucketRepository"/,
    ],
    ["an unknown blueprint", { ...project("A"), blueprint: "service" }, 404, /Blueprint "service" was not found/],
  ])("fails %s as Port would, with its status and message", async (_, entity, status, message) => {
    await catalog.upsert([project("P")], WRITE);

    const [result] = await catalog.upsert([entity], { ...WRITE, createMissingRelatedEntities: true });

    expect(result).toMatchObject({
      result: "failed",
      error: { status, code: status === 404 ? "not_found" : "invalid_request" },
    });
    expect(result?.result === "failed" ? result.error.message : "").toMatch(message);
    expect(catalog.count(entity.blueprint)).toBe(entity.blueprint === "bitbucketProject" ? 1 : 0);
  });

  it("accepts identifiers of any script and every allowed punctuation", async () => {
    const results = await catalog.upsert([project("Ünïcödé-项目"), project("a@b_c.d+e:f\\g/h=i-j")], WRITE);

    expect(results.map((result) => result.result)).toEqual(["created", "created"]);
  });

  it("fails one entity of a batch without failing the others", async () => {
    const results = await catalog.upsert([project("A"), project("B C"), project("D")], WRITE);

    expect(results.map((result) => result.result)).toEqual(["created", "failed", "created"]);
    expect(catalog.query({ blueprint: "bitbucketProject" }).map((entity) => entity.identifier)).toEqual(["A", "D"]);
  });
});

describe("local catalog: relations", () => {
  it("fails a relation to a missing entity with Port's 404 not_found when targets are not created", async () => {
    const [result] = await catalog.upsert([repository("PROJ", "api")], {
      merge: true,
      createMissingRelatedEntities: false,
    });

    expect(result).toMatchObject({ result: "failed", error: { status: 404, code: "not_found" } });
    expect(result?.result === "failed" ? result.error.message : "").toContain(
      'related entity "PROJ" of blueprint "bitbucketProject" was not found',
    );
    expect(catalog.count()).toBe(0);
  });

  it("creates empty targets with createMissingRelatedEntities, which a later merge fills", async () => {
    await catalog.upsert(
      [pullRequest("PROJ", "api", 7, { relations: { repository: "PROJ/api", participants: ["ann@example.com"] } })],
      {
        merge: true,
        createMissingRelatedEntities: true,
      },
    );
    const placeholder = await catalog.get("bitbucketUser", "ann@example.com");

    await catalog.upsert([user("ann@example.com")], WRITE);

    expect(placeholder).toMatchObject({ title: null });
    expect([placeholder?.properties, placeholder?.relations]).toEqual([{}, {}]);
    expect((await catalog.get("bitbucketRepository", "PROJ/api"))?.properties).toEqual({});
    expect(await catalog.get("bitbucketUser", "ann@example.com")).toMatchObject({ properties: { username: "ann" } });
  });

  it("answers queries by relation, by blueprint and by identifier", async () => {
    await catalog.upsert(
      [project("P"), repository("P", "a"), repository("P", "b"), project("Q"), repository("Q", "c")],
      WRITE,
    );

    expect(
      catalog
        .query({ relatedTo: { blueprint: "bitbucketProject", identifier: "P" } })
        .map((entity) => entity.identifier),
    ).toEqual(["P/a", "P/b"]);
    expect(
      catalog.query({ relatedTo: { blueprint: "bitbucketProject", identifier: "P", relation: "latestCommitAuthor" } }),
    ).toEqual([]);
    expect(catalog.query({ blueprint: "bitbucketRepository" }).map((entity) => entity.identifier)).toEqual([
      "P/a",
      "P/b",
      "Q/c",
    ]);
    expect(catalog.query({ identifier: "Q" }).map((entity) => entity.blueprint)).toEqual(["bitbucketProject"]);
  });

  it("resolves a search-query relation and identifier, and reports a search identifier that matches nothing", async () => {
    await catalog.upsert([project("P"), user("ann@example.com")], WRITE);
    const byUsername = { combinator: "and" as const, rules: [{ property: "username", operator: "=", value: "ann" }] };

    const results = await catalog.upsert(
      [
        repository("P", "a", { relations: { project: "P", latestCommitAuthor: byUsername } }),
        user("x", { identifier: byUsername, title: "Ann" }),
        user("y", {
          identifier: { combinator: "and", rules: [{ property: "username", operator: "=", value: "nobody" }] },
        }),
      ],
      WRITE,
    );

    expect(results.map((result) => result.result)).toEqual(["created", "updated", "unresolved"]);
    expect((await catalog.get("bitbucketRepository", "P/a"))?.relations).toEqual({
      project: "P",
      latestCommitAuthor: "ann@example.com",
    });
    expect((await catalog.get("bitbucketUser", "ann@example.com"))?.title).toBe("Ann");
  });
});

describe("local catalog: deletes", () => {
  beforeEach(async () => {
    await catalog.close();
    catalog = LocalCatalog.open({
      path: join(dir, "required.sqlite"),
      identity: identity(),
      blueprints: blueprintsWithRequiredRelations(),
      clock: clock.now,
    });
    await catalog.upsert(
      [
        project("P"),
        repository("P", "api"),
        pullRequest("P", "api", 1, { relations: { repository: "P/api", participants: ["ann@example.com"] } }),
        user("ann@example.com"),
      ],
      { merge: true, createMissingRelatedEntities: true },
    );
  });

  it("refuses to delete an entity with dependents (required relations) and deletes nothing", async () => {
    const results = await catalog.delete([{ blueprint: "bitbucketProject", identifier: "P" }], {
      deleteDependents: false,
    });

    expect(results).toEqual([
      {
        result: "failed",
        blueprint: "bitbucketProject",
        identifier: "P",
        error: expect.objectContaining({ code: "has_dependents", status: 422 }),
      },
    ]);
    expect(results[0]?.result === "failed" ? results[0].error.message : "").toContain("bitbucketRepository/P/api");
    expect(catalog.count()).toBe(4);
  });

  it("with deleteDependents, deletes the dependents and theirs in cascade", async () => {
    const results = await catalog.delete([{ blueprint: "bitbucketProject", identifier: "P" }], {
      deleteDependents: true,
    });

    expect(results).toEqual([{ result: "deleted", blueprint: "bitbucketProject", identifier: "P" }]);
    expect(catalog.query().map((entity) => `${entity.blueprint}:${entity.identifier}`)).toEqual([
      "bitbucketUser:ann@example.com",
    ]);
  });

  it("deletes a dependent listed before its target without deleteDependents", async () => {
    const results = await catalog.delete(
      [
        { blueprint: "bitbucketPullRequest", identifier: "P/api/1" },
        { blueprint: "bitbucketRepository", identifier: "P/api" },
      ],
      { deleteDependents: false },
    );

    expect(results.map((result) => result.result)).toEqual(["deleted", "deleted"]);
    expect(catalog.count()).toBe(2);
  });

  it("clears non-required relations to a deleted entity instead of deleting their holders", async () => {
    await catalog.delete([{ blueprint: "bitbucketUser", identifier: "ann@example.com" }], { deleteDependents: false });

    expect((await catalog.get("bitbucketPullRequest", "P/api/1"))?.relations).toEqual({
      repository: "P/api",
      participants: [],
    });
    expect(catalog.query({ relatedTo: { blueprint: "bitbucketUser", identifier: "ann@example.com" } })).toEqual([]);
  });

  it("reports an absent entity as not_found, not as a failure", async () => {
    const results = await catalog.delete([{ blueprint: "bitbucketProject", identifier: "GONE" }], {
      deleteDependents: true,
    });

    expect(results).toEqual([{ result: "not_found", blueprint: "bitbucketProject", identifier: "GONE" }]);
  });
});

describe("local catalog: owned entities", () => {
  it("lists only this installation's entities, whatever the agent version, in pages", async () => {
    const path = join(dir, "catalog.sqlite");
    const other = LocalCatalog.open({ path, identity: identity("other-install"), clock: clock.now });
    const upgraded = LocalCatalog.open({ path, identity: identity("default", "0.2.0"), clock: clock.now });
    const users = Array.from({ length: 1500 }, (_, index) => user(`u${String(index).padStart(4, "0")}@example.com`));
    await catalog.upsert(users, WRITE);
    await other.upsert([project("THEIRS")], WRITE);
    await upgraded.upsert([project("MINE")], WRITE);
    await other.close();
    await upgraded.close();

    const pages: number[] = [];
    const owned: OwnedEntity[] = [];
    for await (const page of catalog.listOwned()) {
      pages.push(page.length);
      owned.push(...page);
    }

    expect(pages).toEqual([1000, 501]);
    expect(owned.some((entity) => entity.identifier === "THEIRS")).toBe(false);
    expect(owned[0]).toEqual({
      blueprint: "bitbucketProject",
      identifier: "MINE",
      updatedAt: "2026-01-01T00:00:00.000Z",
    });
  });

  it("filters by blueprint and by last update before a time", async () => {
    await catalog.upsert([project("OLD"), user("old@example.com")], WRITE);
    clock.advance(1000);
    const resyncStart = clock.now();
    await catalog.upsert([project("NEW")], WRITE);

    const owned = await collect(catalog.listOwned({ blueprints: ["bitbucketProject"], updatedBefore: resyncStart }));

    expect(owned.map((entity) => entity.identifier)).toEqual(["OLD"]);
  });
});

describe("local catalog: checks", () => {
  it("passes reachable, blueprints and writable, and names missing blueprints with a fix", async () => {
    const checks = await catalog.check({ blueprints: ["bitbucketProject", "service"] });

    expect(checks.map((check) => [check.check, check.ok])).toEqual([
      ["reachable", true],
      ["blueprints", false],
      ["writable", true],
    ]);
    expect(checks[1]).toMatchObject({ message: expect.stringContaining("service"), fix: expect.any(String) });
  });

  it("fails writable on a read-only open", async () => {
    await catalog.close();
    catalog = LocalCatalog.open({ path: join(dir, "catalog.sqlite"), readonly: true });

    const checks = await catalog.check({ blueprints: [] });

    expect(checks.find((check) => check.check === "writable")).toMatchObject({ ok: false, fix: expect.any(String) });
  });

  it("creates only the missing blueprints, refusing one whose relation target is unknown", async () => {
    const results = await catalog.ensureBlueprints([
      { identifier: "bitbucketProject", title: "P", schema: { properties: {}, required: [] }, relations: {} },
      {
        identifier: "service",
        title: "Service",
        schema: { properties: {}, required: [] },
        relations: { repo: { target: "bitbucketRepository", required: false, many: false } },
      },
      {
        identifier: "team",
        title: "Team",
        schema: { properties: {}, required: [] },
        relations: { lead: { target: "person", required: false, many: false } },
      },
    ]);

    expect(results.map((result) => result.result)).toEqual(["exists", "created", "failed"]);
    expect(catalog.blueprints().find((blueprint) => blueprint.identifier === "bitbucketProject")?.title).toBe(
      "Bitbucket Project",
    );
  });
});
