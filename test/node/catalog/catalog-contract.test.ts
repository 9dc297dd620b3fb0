import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Catalog, OwnedEntity } from "../../../relay/catalog/catalog";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { LOCAL_WRITER_SCRIPT } from "../../support/local-writer";
import {
  blueprintsWithRequiredRelations,
  identity,
  manualClock,
  project,
  pullRequest,
  repository,
  user,
} from "./fixtures/catalog-fixtures";
import { startPortHarness } from "./fixtures/port-harness";

/**
 * The catalog contract, run against both implementations: the local catalog and the Port client talking to the
 * fake Port. The same calls must give the same results, so a resync behaves the same whichever catalog it writes.
 */
interface Subject {
  catalog: Catalog;
  clock: ReturnType<typeof manualClock>;
  close(): Promise<void>;
}

async function localSubject(writerThread: URL | null = null): Promise<Subject> {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-contract-"));
  const clock = manualClock();
  const catalog = LocalCatalog.open({
    path: join(dir, "catalog.sqlite"),
    identity: identity(),
    blueprints: blueprintsWithRequiredRelations(),
    clock: clock.now,
    writerThread,
  });
  return {
    catalog,
    clock,
    async close() {
      await catalog.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function portSubject(): Promise<Subject> {
  const harness = await startPortHarness({ blueprints: blueprintsWithRequiredRelations() });
  return { catalog: harness.catalog, clock: harness.clock, close: () => harness.close() };
}

let subject: Subject | undefined;

afterEach(async () => {
  await subject?.close();
  subject = undefined;
});

async function owned(catalog: Catalog, options = {}): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of catalog.listOwned(options))
    keys.push(...page.map((entity: OwnedEntity) => `${entity.blueprint}:${entity.identifier}`));
  return keys.sort();
}

describe.each([
  ["the local catalog", () => localSubject()],
  ["the local catalog, writing from its writer thread", () => localSubject(LOCAL_WRITER_SCRIPT)],
  ["Port (fake) through the client", portSubject],
])("catalog contract: %s", (_, open) => {
  it("answers a mixed batch per entity, in input order, with Port's codes", async () => {
    subject = await open();

    const results = await subject.catalog.upsert(
      [
        project("P"),
        repository("P", "api"),
        repository("P", "web", { properties: { public: "no" } }),
        pullRequest("P", "api", 1, { relations: { repository: "P/nope", participants: [] } }),
        pullRequest("P", "api", 2, { properties: { created_on: "yesterday" } }),
        user("ann@example.com", { properties: { url: "x" } }),
        project("Q"),
      ],
      { merge: true, createMissingRelatedEntities: false },
    );

    expect(
      results.map((result) =>
        result.result === "failed" ? `${result.error.status} ${result.error.code}` : result.result,
      ),
    ).toEqual([
      "created",
      "created",
      "422 invalid_request",
      "404 not_found",
      "422 invalid_request",
      "422 invalid_request",
      "created",
    ]);
  });

  it("merges or overrides, and creates missing relation targets on request", async () => {
    subject = await open();
    const { catalog } = subject;
    await catalog.upsert([project("P"), repository("P", "api")], { merge: true, createMissingRelatedEntities: false });

    await catalog.upsert(
      [repository("P", "api", { title: undefined, properties: { state: "ARCHIVED" }, relations: {} })],
      {
        merge: true,
        createMissingRelatedEntities: false,
      },
    );
    const merged = await catalog.get("bitbucketRepository", "P/api");
    await catalog.upsert([project("P", { properties: { type: "PERSONAL" } })], {
      merge: false,
      createMissingRelatedEntities: false,
    });
    const overridden = await catalog.get("bitbucketProject", "P");
    const placeholders = await catalog.upsert(
      [pullRequest("P", "api", 9, { relations: { repository: "P/api", participants: ["zed@example.com"] } })],
      { merge: true, createMissingRelatedEntities: true },
    );

    expect(merged).toMatchObject({
      title: "api",
      properties: { forkable: true, state: "ARCHIVED" },
      relations: { project: "P" },
    });
    expect(overridden).toMatchObject({ title: "Project P", properties: { type: "PERSONAL" } });
    expect(Object.keys(overridden?.properties ?? {})).toEqual(["type"]);
    expect(placeholders[0]?.result).toBe("created");
    const zed = await catalog.get("bitbucketUser", "zed@example.com");
    expect([zed?.title, zed?.properties]).toEqual([null, {}]);
  });

  it("deletes with and without dependents as Port does", async () => {
    subject = await open();
    const { catalog } = subject;
    await catalog.upsert([project("P"), repository("P", "api"), pullRequest("P", "api", 1)], {
      merge: true,
      createMissingRelatedEntities: false,
    });

    const refused = await catalog.delete([{ blueprint: "bitbucketRepository", identifier: "P/api" }], {
      deleteDependents: false,
    });
    const cascaded = await catalog.delete([{ blueprint: "bitbucketProject", identifier: "P" }], {
      deleteDependents: true,
    });
    const again = await catalog.delete([{ blueprint: "bitbucketProject", identifier: "P" }], {
      deleteDependents: true,
    });

    expect(refused.map((result) => (result.result === "failed" ? result.error.code : result.result))).toEqual([
      "has_dependents",
    ]);
    expect(cascaded.map((result) => result.result)).toEqual(["deleted"]);
    expect(again.map((result) => result.result)).toEqual(["not_found"]);
    expect(await catalog.get("bitbucketPullRequest", "P/api/1")).toBeNull();
  });

  it("lists what it owns, before a time and by blueprint", async () => {
    subject = await open();
    const { catalog, clock } = subject;
    await catalog.upsert([project("P"), user("a@x.io"), user("b@x.io")], {
      merge: true,
      createMissingRelatedEntities: false,
    });
    clock.advance(5000);
    const start = clock.now();
    await catalog.upsert([user("c@x.io")], { merge: true, createMissingRelatedEntities: false });

    expect(await owned(catalog)).toEqual([
      "bitbucketProject:P",
      "bitbucketUser:a@x.io",
      "bitbucketUser:b@x.io",
      "bitbucketUser:c@x.io",
    ]);
    expect(await owned(catalog, { updatedBefore: start, blueprints: ["bitbucketUser"] })).toEqual([
      "bitbucketUser:a@x.io",
      "bitbucketUser:b@x.io",
    ]);
  });
});
