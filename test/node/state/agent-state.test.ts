import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { AgentState } from "../../../relay/state/agent-state";

const repo = { blueprint: "bitbucketRepository", identifier: "PROJ/api" };
const dirs: string[] = [];

function tempStatePath(): string {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-state-"));
  dirs.push(dir);
  return join(dir, "nested", "state.sqlite");
}

function key(identifier: string, blueprint = "bitbucketRepository") {
  return { blueprint, identifier };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("agent state", () => {
  it("remembers what was written across a reopen, and forgets deleted entities", () => {
    const path = tempStatePath();
    const first = AgentState.open(path);
    first.recordWrites([{ key: repo, hash: "hash-1" }]);
    first.close();

    const second = AgentState.open(path);
    const remembered = second.hashOf(repo);
    second.forget(repo);

    expect(remembered).toBe("hash-1");
    expect(second.hashOf(repo)).toBeUndefined();
    second.close();
  });

  it("invalidates a hash so that the next sighting writes again", () => {
    const state = AgentState.open(":memory:");
    state.recordWrites([{ key: repo, hash: "hash-1" }]);

    state.invalidate(repo);

    expect(state.hashOf(repo)).toBeUndefined();
    expect(state.entityCount).toBe(1);
  });

  it("offers for deletion only snapshot entities the run did not see and nobody wrote since it started", () => {
    const state = AgentState.open(":memory:");
    state.recordWrites([{ key: key("P/stale"), hash: "h" }]);
    const runStart = state.writeMark;
    state.beginLedger();
    state.addToSnapshot([key("P/seen"), key("P/stale"), key("P/live"), key("P/target"), key("alice", "bitbucketUser")]);
    // A live event wrote it during the run.
    state.recordWrites([{ key: key("P/live"), hash: "h" }]);
    state.markSeen(key("P/seen"));
    state.addRelationTargets(["P/target"]);

    const candidates = [...state.deletionCandidates(runStart)];

    expect(candidates).toEqual([
      { blueprint: "bitbucketRepository", identifier: "P/stale", protected: false },
      { blueprint: "bitbucketRepository", identifier: "P/target", protected: true },
      { blueprint: "bitbucketUser", identifier: "alice", protected: false },
    ]);
    expect(state.snapshotSize).toBe(5);
    expect(state.inSnapshot(key("P/live"))).toBe(true);
    expect(state.wasSeen(key("P/seen"))).toBe(true);
  });

  it("answers a batch of keys in one call, in order, as hashOf and inSnapshot would one by one", () => {
    const state = AgentState.open(":memory:");
    state.recordWrites([
      { key: key("P/a"), hash: "ha" },
      { key: key("P/b"), hash: "hb" },
    ]);
    state.invalidate(key("P/b"));
    state.beginLedger();
    state.addToSnapshot([key("P/a"), key("P/new")]);
    const keys = [key("P/new"), key("P/a"), key("P/b"), key("P/a", "bitbucketUser"), key('P/"quoted"')];

    expect(state.known(keys)).toEqual(keys.map((k) => ({ hash: state.hashOf(k), inSnapshot: state.inSnapshot(k) })));
    expect(state.known(keys).map((entry) => entry.hash)).toEqual([undefined, "ha", undefined, undefined, undefined]);
    expect(state.known([])).toEqual([]);
  });

  it("records a batch's sightings and relation targets as markSeen and addRelationTargets would", () => {
    const state = AgentState.open(":memory:");
    state.beginLedger();
    state.addToSnapshot([key("P/seen"), key("P/other"), key("P/target")]);

    state.recordSightings([key("P/seen"), key("P/seen")], new Set(["P/target"]));

    expect(state.wasSeen(key("P/seen"))).toBe(true);
    expect(state.wasSeen(key("P/other"))).toBe(false);
    expect([...state.deletionCandidates(state.writeMark)]).toEqual([
      { blueprint: "bitbucketRepository", identifier: "P/other", protected: false },
      { blueprint: "bitbucketRepository", identifier: "P/target", protected: true },
    ]);
  });

  it("starts each run's ledger empty", () => {
    const state = AgentState.open(":memory:");
    state.beginLedger();
    state.addToSnapshot([key("P/a")]);
    state.markSeen(key("P/a"));

    state.beginLedger();

    expect(state.snapshotSize).toBe(0);
    expect(state.wasSeen(key("P/a"))).toBe(false);
  });

  it("keeps the last run's summary", () => {
    const state = AgentState.open(":memory:");
    const older = state.startRun("resync", 10);
    state.finishRun(older, "failed", { kinds: [] }, 20);
    const newer = state.startRun("resync", 30);
    state.finishRun(newer, "succeeded", { kinds: [{ kind: "project", listed: 3 }] }, 40);

    expect(state.lastRun()).toEqual({
      id: newer,
      kind: "resync",
      startedAt: 30,
      finishedAt: 40,
      status: "succeeded",
      summary: { kinds: [{ kind: "project", listed: 3 }] },
    });
    expect(state.lastRun("dry-run")).toBeNull();
  });

  it("upgrades a version 1 state file: what it remembers stays, and its entities count as written before any run", () => {
    const path = tempStatePath();
    mkdirSync(dirname(path), { recursive: true });
    const v1 = new Database(path);
    v1.exec(`
      CREATE TABLE entity_state (blueprint TEXT NOT NULL, identifier TEXT NOT NULL, hash TEXT, written_at INTEGER,
        PRIMARY KEY (blueprint, identifier)) WITHOUT ROWID;
      CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, started_at INTEGER NOT NULL,
        finished_at INTEGER, status TEXT NOT NULL, summary TEXT);
      INSERT INTO entity_state VALUES ('bitbucketRepository', 'PROJ/api', 'hash-1', 9999999999999);
      PRAGMA user_version = 1;
    `);
    v1.close();

    const state = AgentState.open(path);
    const runStart = state.writeMark;
    state.beginLedger();
    state.addToSnapshot([repo, key("P/new")]);
    state.recordWrites([{ key: key("P/new"), hash: "h" }]);

    expect(state.hashOf(repo)).toBe("hash-1");
    expect([...state.deletionCandidates(runStart)]).toEqual([{ ...repo, protected: false }]);
    // Version 3's READMEs by head start empty: every repository's README is read once more.
    expect(state.readmeAt("#1", "abc", 1024)).toBeUndefined();
    state.rememberReadme("#1", "abc", 1024, "# api");
    expect(state.readmeAt("#1", "abc", 1024)).toBe("# api");
    state.close();
  });

  it("knows a README only at the head and cap it was read at, and keeps one per repository", () => {
    const state = AgentState.open(":memory:");
    state.rememberReadme("#1", "head-1", 1024, "# one");
    state.rememberReadme("#2", "head-9", 1024, null);

    expect(state.readmeAt("#1", "head-1", 1024)).toBe("# one");
    expect(state.readmeAt("#2", "head-9", 1024)).toBeNull();
    expect(state.readmeAt("#1", "head-2", 1024)).toBeUndefined();
    expect(state.readmeAt("#1", "head-1", 2048)).toBeUndefined();

    state.rememberReadme("#1", "head-2", 1024, "# two");
    expect(state.readmeAt("#1", "head-1", 1024)).toBeUndefined();
    expect(state.readmeAt("#1", "head-2", 1024)).toBe("# two");
    state.close();
  });

  it("upgrades a version 3 state file: it keeps what it knew, and starts with no item digests", () => {
    const path = tempStatePath();
    const old = AgentState.open(path);
    old.recordWrites([{ key: repo, hash: "hash-1" }]);
    old.rememberReadme("#1", "abc", 1024, "# api");
    old.close();
    // What a version 3 file looks like: no item_digest table (nor page_digest, from version 5).
    const v3 = new Database(path);
    v3.exec("DROP TABLE item_digest; DROP TABLE page_digest; PRAGMA user_version = 3;");
    v3.close();

    const state = AgentState.open(path);
    expect(state.hashOf(repo)).toBe("hash-1");
    expect(state.readmeAt("#1", "abc", 1024)).toBe("# api");
    expect(state.digestCount).toBe(0);
    state.rememberDigests([
      { digest: "d1", fingerprint: "f", entities: [{ key: repo, hash: "hash-1" }], targets: ["PROJ"] },
    ]);
    expect(state.digestsOf(["d1", "d2"])).toEqual(
      new Map([["d1", { entities: [{ key: repo, hash: "hash-1" }], targets: ["PROJ"] }]]),
    );
    state.close();
  });

  it("keeps item digests a run saw, and forgets the others of that mapping and of mappings no longer in force", () => {
    const state = AgentState.open(":memory:");
    const item = (digest: string, fingerprint: string) => ({ digest, fingerprint, entities: [], targets: [] });
    state.rememberDigests([item("a", "f1"), item("b", "f1"), item("c", "f2")]);
    // The next run: it sees a, and settles d.
    state.beginLedger();
    state.touchDigests(["a"]);
    state.rememberDigests([item("d", "f1")]);

    state.pruneDigests("f1");
    expect([...state.digestsOf(["a", "b", "c", "d"]).keys()].sort()).toEqual(["a", "c", "d"]);
    state.keepDigestsOf(["f1"]);
    expect([...state.digestsOf(["a", "b", "c", "d"]).keys()].sort()).toEqual(["a", "d"]);
    state.close();
  });

  it("upgrades a version 4 state file: it keeps its item digests, and starts with no page digests", () => {
    const path = tempStatePath();
    const old = AgentState.open(path);
    old.rememberDigests([{ digest: "d1", fingerprint: "f", entities: [{ key: repo, hash: "hash-1" }], targets: [] }]);
    old.close();
    // What a version 4 file looks like: no page_digest table.
    const v4 = new Database(path);
    v4.exec("DROP TABLE page_digest; PRAGMA user_version = 4;");
    v4.close();

    const state = AgentState.open(path);
    expect(state.digestCount).toBe(1);
    expect(state.pageDigests("p1", false)).toBeUndefined();
    state.rememberPageDigests("p1", "f", ["d1", "d2"]);
    expect(state.pageDigests("p1", false)).toEqual(["d1", "d2"]);
    state.close();
  });

  it("keeps page digests a run saw, and forgets the others of that mapping and of mappings no longer in force", () => {
    const state = AgentState.open(":memory:");
    state.rememberPageDigests("a", "f1", ["a1"]);
    state.rememberPageDigests("b", "f1", ["b1"]);
    state.rememberPageDigests("c", "f2", ["c1"]);
    // The next run: it sees a (a lookup that counts), looks at b without counting it (a dry run), and records d.
    state.beginLedger();
    expect(state.pageDigests("a", true)).toEqual(["a1"]);
    expect(state.pageDigests("b", false)).toEqual(["b1"]);
    state.rememberPageDigests("d", "f1", ["d1"]);

    state.pruneDigests("f1");
    const known = () => ["a", "b", "c", "d"].filter((page) => state.pageDigests(page, false) !== undefined);
    expect(known()).toEqual(["a", "c", "d"]);
    state.keepDigestsOf(["f1"]);
    expect(known()).toEqual(["a", "d"]);
    state.close();
  });

  it("records the sightings of items taken for unchanged before anything reads the ledger or changes a digest", () => {
    const state = AgentState.open(":memory:");
    const [a, b, stale] = [key("P/a"), key("P/b"), key("P/stale")];
    state.recordWrites([
      { key: a, hash: "ha" },
      { key: b, hash: "hb" },
      { key: stale, hash: "hs" },
    ]);
    state.rememberDigests([
      { digest: "da", fingerprint: "f", entities: [{ key: a, hash: "ha" }], targets: ["P/target"] },
      { digest: "db", fingerprint: "f", entities: [{ key: b, hash: "hb" }], targets: [] },
    ]);
    const runStart = state.writeMark;
    state.beginLedger();
    state.addToSnapshot([a, b, stale, key("P/target")]);

    const held = state.unchangedItems(["da", "db", "unknown"], { snapshotTaken: true, record: true, withKeys: true });

    expect(held).toEqual(
      new Map([
        ["da", { count: 1, keys: [a] }],
        ["db", { count: 1, keys: [b] }],
      ]),
    );
    expect([...state.deletionCandidates(runStart)]).toEqual([
      { ...stale, protected: false },
      { ...key("P/target"), protected: true },
    ]);
    expect(state.wasSeen(a)).toBe(true);
    // Seen by the run: kept by the prune, as a digest the writer remembered would be.
    state.pruneDigests("f");
    expect(state.digestCount).toBe(2);
  });

  it("takes an item off the shortcut when an entity's recorded hash changed, or it left the snapshot", () => {
    const state = AgentState.open(":memory:");
    const [a, b] = [key("P/a"), key("P/b")];
    state.recordWrites([
      { key: a, hash: "ha" },
      { key: b, hash: "hb" },
    ]);
    state.rememberDigests([
      { digest: "da", fingerprint: "f", entities: [{ key: a, hash: "ha" }], targets: [] },
      { digest: "db", fingerprint: "f", entities: [{ key: b, hash: "hb" }], targets: [] },
    ]);
    // A live event wrote a new content for a; b was deleted from the catalog by hand (not in the snapshot).
    state.recordWrites([{ key: a, hash: "ha-2" }]);
    state.beginLedger();
    state.addToSnapshot([a]);

    expect(state.unchangedItems(["da", "db"], { snapshotTaken: true, record: true, withKeys: false }).size).toBe(0);
    expect(state.wasSeen(a)).toBe(false);
    expect(state.wasSeen(b)).toBe(false);
  });

  it("forgets with a new ledger the sightings of the last run not yet written", () => {
    const state = AgentState.open(":memory:");
    state.recordWrites([{ key: repo, hash: "h" }]);
    state.rememberDigests([{ digest: "d", fingerprint: "f", entities: [{ key: repo, hash: "h" }], targets: [] }]);
    state.beginLedger();
    expect(state.unchangedItems(["d"], { snapshotTaken: false, record: true, withKeys: false }).size).toBe(1);
    state.beginLedger();
    expect(state.wasSeen(repo)).toBe(false);
  });

  it("refuses a state file from a newer version, saying what to do", () => {
    const path = tempStatePath();
    AgentState.open(path).close();
    const forged = new Database(path);
    forged.pragma("user_version = 99");
    forged.close();

    expect(() => AgentState.open(path)).toThrow(/newer bbrelay.*BBRELAY_STATE_DIR/);
  });
});
