import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { LocalBrowser } from "../../../relay/catalog/local/local-browse";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { DEFAULT_BLUEPRINTS, TEST_IDENTITY } from "../../support/resync-fixture";

/** The console's browsing queries on a real local catalog: keyset pages, text search, property filter, windows. */

const catalogs: LocalCatalog[] = [];

afterEach(async () => {
  for (const catalog of catalogs.splice(0)) await catalog.close();
});

async function catalogWith(count: number): Promise<{ catalog: LocalCatalog; path: string }> {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const path = join(mkdtempSync(join(tmpdir(), "bbrelay-browse-")), "catalog.sqlite");
  const catalog = LocalCatalog.open({ path, identity: TEST_IDENTITY, blueprints: DEFAULT_BLUEPRINTS });
  catalogs.push(catalog);
  const entities = Array.from({ length: count }, (_, n) => ({
    blueprint: "bitbucketProject",
    identifier: `P${String(n).padStart(3, "0")}`,
    title: n % 10 === 7 ? `Payments ${n}` : `Project ${n}`,
    properties: { key: `P${n}`, public: n % 2 === 0, type: n === 42 ? "PERSONAL" : "NORMAL" },
    relations: {},
  }));
  await catalog.upsert(entities, { merge: true, createMissingRelatedEntities: true });
  return { catalog, path };
}

describe("browsing the local catalog", () => {
  it("pages in key order after a cursor", async () => {
    const { catalog } = await catalogWith(30);

    const first = catalog.browse({ blueprint: "bitbucketProject", limit: 10 });
    const second = catalog.browse({ blueprint: "bitbucketProject", limit: 10, after: first.entities[9] });

    expect(first.entities.map((e) => e.identifier)).toEqual(Array.from({ length: 10 }, (_, n) => `P00${n}`));
    expect(second.entities[0]?.identifier).toBe("P010");
    expect(first.resumeAfter).toBeNull();
  });

  it("searches identifiers and titles, case-insensitively, with % and _ taken literally", async () => {
    const { catalog } = await catalogWith(30);

    const found = catalog.browse({ search: "payments", limit: 50 });
    const literal = catalog.browse({ search: "P_0", limit: 50 });

    expect(found.entities.map((e) => e.identifier)).toEqual(["P007", "P017", "P027"]);
    expect(literal.entities).toEqual([]);
  });

  it("filters on a property compared as text", async () => {
    const { catalog } = await catalogWith(60);

    expect(
      catalog.browse({ property: { name: "type", value: "PERSONAL" }, limit: 50 }).entities.map((e) => e.identifier),
    ).toEqual(["P042"]);
    expect(catalog.browse({ property: { name: "public", value: "true" }, limit: 50 }).entities).toHaveLength(30);
  });

  it("reads at most its window past the cursor, and says where to resume until the end", async () => {
    const { path } = await catalogWith(30);
    const db = new Database(path, { readonly: true });
    const browser = new LocalBrowser(db);

    const first = browser.browse({ search: "Payments", limit: 50 }, 12);
    const second = browser.browse(
      { search: "Payments", limit: 50, ...(first.resumeAfter === null ? {} : { after: first.resumeAfter }) },
      12,
    );
    const third = browser.browse(
      { search: "Payments", limit: 50, ...(second.resumeAfter === null ? {} : { after: second.resumeAfter }) },
      12,
    );

    expect(first.entities.map((e) => e.identifier)).toEqual(["P007"]);
    expect(first.resumeAfter).toEqual({ blueprint: "bitbucketProject", identifier: "P011" });
    expect(second.entities.map((e) => e.identifier)).toEqual(["P017"]);
    expect(second.resumeAfter).toEqual({ blueprint: "bitbucketProject", identifier: "P023" });
    expect(third.entities.map((e) => e.identifier)).toEqual(["P027"]);
    expect(third.resumeAfter).toBeNull();
    db.close();
  });

  it("counts entities per blueprint", async () => {
    const { catalog } = await catalogWith(5);

    expect(catalog.blueprintCounts()).toEqual(new Map([["bitbucketProject", 5]]));
  });
});
