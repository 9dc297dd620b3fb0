import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseBlueprints } from "../../../relay/catalog/blueprints-file";
import { CatalogUnavailableError } from "../../../relay/catalog/catalog-unavailable-error";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { LOCAL_WRITER_SCRIPT } from "../../support/local-writer";
import { identity, manualClock, project, repository, SEED_BLUEPRINTS } from "./fixtures/catalog-fixtures";

// What the writer thread adds to the local catalog (the catalog contract runs against it too): writes done there
// are read back here at once, SQLite's failures are the catalog's, blueprints loaded later reach it, calls answer
// in order, a closed or missing thread fails its calls instead of hanging them, and a stopped one is replaced.

const WRITE = { merge: false, createMissingRelatedEntities: false };

let dir: string;
let path: string;
let catalog: LocalCatalog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bbrelay-writer-thread-"));
  path = join(dir, "catalog.sqlite");
  catalog = LocalCatalog.open({
    path,
    identity: identity(),
    blueprints: SEED_BLUEPRINTS,
    clock: manualClock().now,
    writerThread: LOCAL_WRITER_SCRIPT,
  });
});

afterEach(async () => {
  await catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the local catalog's writer thread", () => {
  it("writes what the caller's thread reads back as soon as the call resolves", async () => {
    expect(await catalog.upsert([project("P"), repository("P", "api")], WRITE)).toEqual([
      { result: "created", blueprint: "bitbucketProject", identifier: "P" },
      { result: "created", blueprint: "bitbucketRepository", identifier: "P/api" },
    ]);
    expect(catalog.count()).toBe(2);
    expect((await catalog.get("bitbucketRepository", "P/api"))?.relations).toEqual({ project: "P" });
    expect(catalog.referrers({ blueprint: "bitbucketProject", identifier: "P" })).toEqual([
      { blueprint: "bitbucketRepository", identifier: "P/api", relation: "project" },
    ]);

    expect(await catalog.upsert([repository("P", "api", { title: "API" })], WRITE)).toEqual([
      { result: "updated", blueprint: "bitbucketRepository", identifier: "P/api" },
    ]);
    expect((await catalog.get("bitbucketRepository", "P/api"))?.title).toBe("API");
    expect(
      await catalog.delete([{ blueprint: "bitbucketRepository", identifier: "P/api" }], { deleteDependents: false }),
    ).toEqual([{ result: "deleted", blueprint: "bitbucketRepository", identifier: "P/api" }]);
    expect(catalog.count()).toBe(1);
  });

  it("answers calls sent together in the order they were sent, each with its own results", async () => {
    await catalog.upsert([project("P")], WRITE);
    const calls = ["a", "b", "c", "d", "e"].map((slug) => catalog.upsert([repository("P", slug)], WRITE));
    const results = await Promise.all(calls);
    expect(results.map((result) => result.map((one) => one.identifier))).toEqual([
      ["P/a"],
      ["P/b"],
      ["P/c"],
      ["P/d"],
      ["P/e"],
    ]);
    expect(catalog.count("bitbucketRepository")).toBe(5);
  });

  it("fails a call that SQLite refuses as the catalog's failure, writes none of it, and goes on", async () => {
    const other = new Database(path);
    other.exec(
      "CREATE TRIGGER refuse_boom BEFORE INSERT ON entities WHEN NEW.identifier = 'BOOM' BEGIN SELECT RAISE(ABORT, 'no room for BOOM'); END",
    );
    other.close();

    const failed = catalog.upsert([project("P"), project("BOOM")], WRITE);
    await expect(failed).rejects.toBeInstanceOf(CatalogUnavailableError);
    await expect(failed).rejects.toMatchObject({
      kind: "storage",
      message: expect.stringContaining("no room for BOOM"),
    });
    // One transaction per call: the entity before the refused one was rolled back with it.
    expect(catalog.count()).toBe(0);

    expect(await catalog.upsert([project("P")], WRITE)).toEqual([
      { result: "created", blueprint: "bitbucketProject", identifier: "P" },
    ]);
  });

  it("knows the blueprints the caller's thread creates after it started", async () => {
    // A first write: the thread is up and has read the blueprints as they were.
    await catalog.upsert([project("P")], WRITE);
    const [team] = parseBlueprints(
      [{ identifier: "team", title: "Team", schema: { properties: { size: { type: "number" } } }, relations: {} }],
      "test blueprints",
    );
    if (team === undefined) throw new Error("no blueprint parsed");
    expect(await catalog.ensureBlueprints([team])).toEqual([{ result: "created", identifier: "team" }]);

    expect(
      await catalog.upsert([{ blueprint: "team", identifier: "core", properties: { size: 4 }, relations: {} }], WRITE),
    ).toEqual([{ result: "created", blueprint: "team", identifier: "core" }]);
    expect((await catalog.get("team", "core"))?.properties).toEqual({ size: 4 });
  });

  it("fails the calls made after close instead of leaving them unanswered", async () => {
    await catalog.upsert([project("P")], WRITE);
    const pending = catalog.upsert([project("Q")], WRITE);
    await catalog.close();
    // A call sent before close is finished first.
    expect(await pending).toEqual([{ result: "created", blueprint: "bitbucketProject", identifier: "Q" }]);
    await expect(catalog.upsert([project("R")], WRITE)).rejects.toBeInstanceOf(CatalogUnavailableError);
  });

  it("starts a new thread at the next call after one stopped", async () => {
    // The writer's file appears only after a first call failed: that call's thread could not start.
    const root = fileURLToPath(new URL("../../../.tmp/", import.meta.url));
    mkdirSync(root, { recursive: true });
    const scratch = mkdtempSync(join(root, "writer-restart-"));
    const script = pathToFileURL(join(scratch, "local-writer.mjs"));
    const revived = LocalCatalog.open({
      path: join(dir, "other.sqlite"),
      identity: identity(),
      blueprints: SEED_BLUEPRINTS,
      writerThread: script,
    });
    try {
      await expect(revived.upsert([project("P")], WRITE)).rejects.toThrow(/writer thread/);
      copyFileSync(LOCAL_WRITER_SCRIPT, script);
      expect(await revived.upsert([project("P")], WRITE)).toEqual([
        { result: "created", blueprint: "bitbucketProject", identifier: "P" },
      ]);
      expect(revived.count()).toBe(1);
    } finally {
      await revived.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("fails every call clearly when its thread cannot start", async () => {
    const broken = LocalCatalog.open({
      path: join(dir, "other.sqlite"),
      identity: identity(),
      blueprints: SEED_BLUEPRINTS,
      writerThread: new URL("./no-such-writer.mjs", LOCAL_WRITER_SCRIPT),
    });
    try {
      const failed = broken.upsert([project("P")], WRITE);
      await expect(failed).rejects.toBeInstanceOf(CatalogUnavailableError);
      await expect(failed).rejects.toThrow(/writer thread/);
      await expect(broken.upsert([project("P")], WRITE)).rejects.toThrow(/writer thread/);
    } finally {
      await broken.close();
    }
  });
});
