import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { CatalogEntity } from "../../../relay/catalog/catalog";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { formatChange } from "../../../scripts/catalog-change-format";
import { CatalogWatcher } from "../../../scripts/catalog-watcher";
import { DEFAULT_BLUEPRINTS, TEST_IDENTITY } from "../../support/resync-fixture";

/** The watcher against a real local catalog written by the agent's own LocalCatalog, from another connection. */

const opened: { catalog: LocalCatalog; watcher?: CatalogWatcher; dir: string }[] = [];

afterEach(async () => {
  for (const { catalog, watcher, dir } of opened.splice(0)) {
    watcher?.close();
    await catalog.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A catalog whose clock moves one millisecond per write, so that every write has its own time. */
function catalogFile(): { catalog: LocalCatalog; path: string; watch: (detailLimit?: number) => CatalogWatcher } {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-watch-"));
  const path = join(dir, "catalog.sqlite");
  let now = Date.UTC(2026, 0, 1);
  const catalog = LocalCatalog.open({
    path,
    identity: TEST_IDENTITY,
    blueprints: DEFAULT_BLUEPRINTS,
    clock: () => new Date(now++),
  });
  const entry: (typeof opened)[number] = { catalog, dir };
  opened.push(entry);
  return {
    catalog,
    path,
    watch(detailLimit) {
      entry.watcher = new CatalogWatcher({ path, ...(detailLimit === undefined ? {} : { detailLimit }) });
      return entry.watcher;
    },
  };
}

function project(key: string, description: string | null = null): CatalogEntity {
  return {
    blueprint: "bitbucketProject",
    identifier: key,
    title: `Project ${key}`,
    properties: { key, description },
    relations: {},
  };
}

function repository(key: string, slug: string, properties: Record<string, unknown> = {}): CatalogEntity {
  return {
    blueprint: "bitbucketRepository",
    identifier: `${key}/${slug}`,
    title: slug,
    properties: { slug, ...properties },
    relations: { project: key },
  };
}

const WRITE = { merge: false, createMissingRelatedEntities: false };

describe("the catalog watcher", () => {
  it("takes what the catalog holds when it opens as the starting point", async () => {
    const { catalog, watch } = catalogFile();
    await catalog.upsert([project("P1"), project("P2"), repository("P1", "api")], WRITE);

    const watcher = watch();

    expect(watcher.poll()).toEqual([]);
    expect(watcher.counts()).toEqual(
      new Map([
        ["bitbucketProject", 2],
        ["bitbucketRepository", 1],
      ]),
    );
  });

  it("reports entities created, updated (with the fields that changed) and deleted", async () => {
    const { catalog, watch } = catalogFile();
    await catalog.upsert([project("P1"), repository("P1", "api", { state: "AVAILABLE", archived: false })], WRITE);
    const watcher = watch();

    await catalog.upsert([project("P2", "new one")], WRITE);
    const created = watcher.poll();
    await catalog.upsert([{ ...repository("P1", "api", { state: "AVAILABLE", archived: true }), title: "API" }], WRITE);
    const updated = watcher.poll();
    await catalog.delete([{ blueprint: "bitbucketProject", identifier: "P2" }], { deleteDependents: false });
    const deleted = watcher.poll();

    expect(created).toEqual([
      { change: "created", blueprint: "bitbucketProject", identifier: "P2", title: "Project P2" },
    ]);
    expect(updated).toEqual([
      {
        change: "updated",
        blueprint: "bitbucketRepository",
        identifier: "P1/api",
        title: "API",
        fields: [
          { field: "title", before: "api", after: "API" },
          { field: "properties.archived", before: false, after: true },
        ],
      },
    ]);
    expect(deleted).toEqual([
      { change: "deleted", blueprint: "bitbucketProject", identifier: "P2", title: "Project P2" },
    ]);
    expect(watcher.counts()).toEqual(
      new Map([
        ["bitbucketProject", 1],
        ["bitbucketRepository", 1],
      ]),
    );
    expect([...created, ...updated, ...deleted].map(formatChange)).toEqual([
      '+ bitbucketProject P2  "Project P2"',
      '~ bitbucketRepository P1/api  title "api" → "API", archived false → true',
      '- bitbucketProject P2  "Project P2"',
    ]);
  });

  it("finds a delete and a create in one look even when the count did not move (a rename)", async () => {
    const { catalog, watch } = catalogFile();
    await catalog.upsert([project("P1"), repository("P1", "old")], WRITE);
    const watcher = watch();

    await catalog.delete([{ blueprint: "bitbucketRepository", identifier: "P1/old" }], { deleteDependents: false });
    await catalog.upsert([repository("P1", "new")], WRITE);
    const changes = watcher.poll();

    expect(changes).toEqual(
      expect.arrayContaining([
        { change: "created", blueprint: "bitbucketRepository", identifier: "P1/new", title: "new" },
        { change: "deleted", blueprint: "bitbucketRepository", identifier: "P1/old", title: "old" },
      ]),
    );
    expect(changes).toHaveLength(2);
    expect(watcher.counts().get("bitbucketRepository")).toBe(1);
  });

  it("reports nothing for a write that changed nothing, and nothing twice", async () => {
    const { catalog, watch } = catalogFile();
    await catalog.upsert([project("P1", "same")], WRITE);
    const watcher = watch();

    await catalog.upsert([project("P1", "same")], WRITE);
    const rewrite = watcher.poll();
    await catalog.upsert([project("P1", "changed")], WRITE);
    const first = watcher.poll();
    const again = watcher.poll();

    expect(rewrite).toEqual([]);
    expect(first).toHaveLength(1);
    expect(again).toEqual([]);
  });

  it("past its detail limit, reports updates without their fields", async () => {
    const { catalog, watch } = catalogFile();
    await catalog.upsert([project("P1", "a"), project("P2", "a")], WRITE);
    const watcher = watch(1);

    await catalog.upsert([project("P1", "b"), project("P2", "b")], WRITE);
    const changes = watcher.poll();

    expect(changes).toEqual([
      {
        change: "updated",
        blueprint: "bitbucketProject",
        identifier: "P1",
        title: "Project P1",
        fields: [{ field: "properties.description", before: "a", after: "b" }],
      },
      { change: "updated", blueprint: "bitbucketProject", identifier: "P2", title: "Project P2", fields: null },
    ]);
    expect(changes.map(formatChange)[1]).toBe("~ bitbucketProject P2  updated");
  });

  it("refuses a file that is not a local catalog", () => {
    const dir = mkdtempSync(join(tmpdir(), "bbrelay-watch-"));
    try {
      const other = join(dir, "other.sqlite");
      const db = new Database(other);
      db.exec("CREATE TABLE t (x)");
      db.close();

      expect(() => new CatalogWatcher({ path: join(dir, "missing.sqlite") })).toThrow();
      expect(() => new CatalogWatcher({ path: other })).toThrow(/is not a bbrelay local catalog/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
