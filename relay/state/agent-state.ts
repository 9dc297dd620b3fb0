import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { EntityKey } from "../catalog/catalog";
import type { ReadmeMemory } from "./readme-memory";

/**
 * The agent's own durable state (one SQLite file, separate from any catalog):
 * - per entity, the content hash of what was last written and at which point of the write sequence, so a resync
 *   writes only what changed and a reconcile can tell live writes made during the run from stale entities;
 * - the history of resync runs and their summaries, for `bbrelay status`;
 * - per repository, the README read at its default branch's head (see readme-memory.ts), so an unchanged repository
 *   is not asked for it again;
 * - per listed item's digest (see item-digest.ts), the entities the item produced and their content hashes, so an
 *   item exactly as it was at the last successful resync is not mapped nor hashed again; and per listed page's
 *   source (page-source.ts), its items' digests, so a page Bitbucket sends again as it was is not digested again;
 * - while a resync runs, its ledger in temporary tables (so memory does not grow with the instance): the owned
 *   entities the catalog held when the run started, the entities the run produced, and the relation targets
 *   those point to.
 * Losing the file is safe: the next resync writes everything once and rebuilds it.
 */

export interface RunRecord {
  id: number;
  kind: "resync" | "dry-run";
  startedAt: number;
  finishedAt: number | null;
  status: "running" | "succeeded" | "partial" | "failed" | "aborted";
  /** The run's summary as the resync produced it (JSON). */
  summary: unknown;
}

const SCHEMA_VERSION = 5;

/** Digests that took the shortcut whose sightings wait in memory before they are written to the run's ledger. */
const HELD_BATCH = 1000;
/** Pages seen or remembered that wait in memory likewise. */
const HELD_PAGES = 50;

export class AgentState implements ReadmeMemory {
  readonly #db: Database.Database;
  readonly #statements;
  /**
   * The ledger's writes for items that took the shortcut (their sightings and relation targets, the digests and
   * pages the run saw) and the pages' digests to remember, not yet in their tables: written in one transaction a
   * thousand digests (or fifty pages) at a time, and before anything reads the ledger or changes a digest. A page's
   * own writes, four statements and a commit, cost more than its lookups (bench:resync's third run).
   */
  readonly #held: { sighted: string[]; touched: string[]; pages: string[]; remembered: string[][] } = {
    sighted: [],
    touched: [],
    pages: [],
    remembered: [],
  };

  private constructor(db: Database.Database) {
    this.#db = db;
    migrate(db);
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS run_snapshot (blueprint TEXT NOT NULL, identifier TEXT NOT NULL, PRIMARY KEY (blueprint, identifier)) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS run_seen (blueprint TEXT NOT NULL, identifier TEXT NOT NULL, PRIMARY KEY (blueprint, identifier)) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS run_targets (identifier TEXT PRIMARY KEY) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS run_digests (digest TEXT PRIMARY KEY) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS run_pages (page TEXT PRIMARY KEY) WITHOUT ROWID;
    `);
    this.#statements = {
      getHash: db.prepare<[string, string], { hash: string | null }>(
        "SELECT hash FROM entity_state WHERE blueprint = ? AND identifier = ?",
      ),
      nextWriteSeq: db.prepare<[], { seq: number }>("UPDATE write_sequence SET seq = seq + 1 RETURNING seq"),
      currentWriteSeq: db.prepare<[], { seq: number }>("SELECT seq FROM write_sequence"),
      recordWrite: db.prepare<[string, string, string, number]>(
        `INSERT INTO entity_state (blueprint, identifier, hash, write_seq) VALUES (?, ?, ?, ?)
         ON CONFLICT (blueprint, identifier) DO UPDATE SET hash = excluded.hash, write_seq = excluded.write_seq`,
      ),
      forget: db.prepare<[string, string]>("DELETE FROM entity_state WHERE blueprint = ? AND identifier = ?"),
      invalidate: db.prepare<[string, string]>(
        "UPDATE entity_state SET hash = NULL WHERE blueprint = ? AND identifier = ?",
      ),
      addSnapshot: db.prepare<[string, string]>(
        "INSERT OR IGNORE INTO run_snapshot (blueprint, identifier) VALUES (?, ?)",
      ),
      inSnapshot: db.prepare<[string, string], { n: number }>(
        "SELECT 1 AS n FROM run_snapshot WHERE blueprint = ? AND identifier = ?",
      ),
      snapshotCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM run_snapshot"),
      markSeen: db.prepare<[string, string]>("INSERT OR IGNORE INTO run_seen (blueprint, identifier) VALUES (?, ?)"),
      wasSeen: db.prepare<[string, string], { n: number }>(
        "SELECT 1 AS n FROM run_seen WHERE blueprint = ? AND identifier = ?",
      ),
      addTarget: db.prepare<[string]>("INSERT OR IGNORE INTO run_targets (identifier) VALUES (?)"),
      // A batch's keys go in as one JSON array of [blueprint, identifier] pairs: one statement per batch, not one
      // (or three) per entity, which is most of what an unchanged entity used to cost here.
      known: db.prepare<[string], { i: number; hash: string | null; snap: number }>(
        `SELECT j.key AS i, e.hash AS hash,
                EXISTS (SELECT 1 FROM run_snapshot s WHERE s.blueprint = j.value ->> 0 AND s.identifier = j.value ->> 1) AS snap
           FROM json_each(?) j
           LEFT JOIN entity_state e ON e.blueprint = j.value ->> 0 AND e.identifier = j.value ->> 1`,
      ),
      markSeenAll: db.prepare<[string]>(
        "INSERT OR IGNORE INTO run_seen (blueprint, identifier) SELECT value ->> 0, value ->> 1 FROM json_each(?)",
      ),
      addTargets: db.prepare<[string]>("INSERT OR IGNORE INTO run_targets (identifier) SELECT value FROM json_each(?)"),
      candidates: db.prepare<[number], { blueprint: string; identifier: string; protected: number }>(
        `SELECT s.blueprint, s.identifier, (t.identifier IS NOT NULL) AS protected
           FROM run_snapshot s
           LEFT JOIN run_seen r ON r.blueprint = s.blueprint AND r.identifier = s.identifier
           LEFT JOIN entity_state e ON e.blueprint = s.blueprint AND e.identifier = s.identifier
           LEFT JOIN run_targets t ON t.identifier = s.identifier
          WHERE r.identifier IS NULL AND (e.write_seq IS NULL OR e.write_seq <= ?)
          ORDER BY s.blueprint, s.identifier`,
      ),
      startRun: db.prepare<[string, number]>("INSERT INTO runs (kind, started_at, status) VALUES (?, ?, 'running')"),
      finishRun: db.prepare<[number, string, string, number]>(
        "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
      ),
      lastRun: db.prepare<[string], RunRow>("SELECT * FROM runs WHERE kind = ? ORDER BY id DESC LIMIT 1"),
      recentRuns: db.prepare<[number, number], RunRow>("SELECT * FROM runs WHERE id < ? ORDER BY id DESC LIMIT ?"),
      entityCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM entity_state"),
      readmeAt: db.prepare<[string, string, number], { readme: string | null }>(
        "SELECT readme FROM repository_readme WHERE repository = ? AND head = ? AND cap = ?",
      ),
      // Digests come and go a page at a time, as JSON arrays: one statement per page, none per item.
      digestsOf: db.prepare<[string], { digest: string; entities: string; targets: string }>(
        `SELECT d.digest, d.entities, d.targets FROM json_each(?) j JOIN item_digest d ON d.digest = j.value`,
      ),
      // What the run saw goes to a temporary table: rewriting a durable row per unchanged item would cost a
      // write-ahead log page per few items, more than the mapping it saves.
      touchDigests: db.prepare<[string]>("INSERT OR IGNORE INTO run_digests (digest) SELECT value FROM json_each(?)"),
      rememberDigests: db.prepare<[string]>(
        `INSERT INTO item_digest (digest, fingerprint, entities, targets)
           SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true
         ON CONFLICT (digest) DO UPDATE SET entities = excluded.entities, targets = excluded.targets`,
      ),
      pruneDigests: db.prepare<[string]>(
        "DELETE FROM item_digest WHERE fingerprint = ? AND digest NOT IN (SELECT digest FROM run_digests)",
      ),
      // An item digest stands for unchanged entities only if each of them still has its recorded hash and (with a
      // snapshot: the second parameter) the catalog held it when the run started: the entity writer's rule, checked in SQL.
      stillHeld: db.prepare<[string, number], { digest: string; n: number; entities: string }>(
        `SELECT d.digest AS digest, json_array_length(d.entities) AS n, d.entities AS entities
           FROM json_each(?) j JOIN item_digest d ON d.digest = j.value
          WHERE NOT EXISTS (
            SELECT 1 FROM json_each(d.entities) e
              LEFT JOIN entity_state s ON s.blueprint = e.value ->> 0 AND s.identifier = e.value ->> 1
             WHERE s.hash IS NOT e.value ->> 2
                OR (? AND NOT EXISTS (SELECT 1 FROM run_snapshot r
                                        WHERE r.blueprint = e.value ->> 0 AND r.identifier = e.value ->> 1)))`,
      ),
      digestSightings: db.prepare<[string]>(
        `INSERT OR IGNORE INTO run_seen (blueprint, identifier)
           SELECT e.value ->> 0, e.value ->> 1 FROM json_each(?) v JOIN item_digest d ON d.digest = v.value, json_each(d.entities) e`,
      ),
      digestTargets: db.prepare<[string]>(
        `INSERT OR IGNORE INTO run_targets (identifier)
           SELECT t.value FROM json_each(?) v JOIN item_digest d ON d.digest = v.value, json_each(d.targets) t`,
      ),
      keepDigestsOf: db.prepare<[string]>(
        "DELETE FROM item_digest WHERE fingerprint NOT IN (SELECT value FROM json_each(?))",
      ),
      digestCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM item_digest"),
      pageDigests: db.prepare<[string], { digests: string }>("SELECT digests FROM page_digest WHERE page = ?"),
      touchPages: db.prepare<[string]>("INSERT OR IGNORE INTO run_pages (page) SELECT value FROM json_each(?)"),
      // A page's key stands for its items under one fingerprint: what it maps to never changes, so a second
      // recording (two resources listing the same page) has nothing to add.
      rememberPages: db.prepare<[string]>(
        `INSERT INTO page_digest (page, fingerprint, digests)
           SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true
         ON CONFLICT (page) DO NOTHING`,
      ),
      prunePages: db.prepare<[string]>(
        "DELETE FROM page_digest WHERE fingerprint = ? AND page NOT IN (SELECT page FROM run_pages)",
      ),
      keepPagesOf: db.prepare<[string]>(
        "DELETE FROM page_digest WHERE fingerprint NOT IN (SELECT value FROM json_each(?))",
      ),
      rememberReadme: db.prepare<[string, string, number, string | null]>(
        `INSERT INTO repository_readme (repository, head, cap, readme) VALUES (?, ?, ?, ?)
         ON CONFLICT (repository) DO UPDATE SET head = excluded.head, cap = excluded.cap, readme = excluded.readme`,
      ),
    };
  }

  /** Opens (and creates or migrates) the state file; `:memory:` for tests. */
  static open(path: string): AgentState {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    // The page caches are the agent's memory (16 MiB each by default, for this file and for the run's ledger in
    // the temporary tables), and they grow with the instance: capped lower, so the agent's memory stays flat; a page
    // beyond them is read from the OS's file cache, a few microseconds.
    db.pragma("cache_size = -4096");
    db.pragma("temp.cache_size = -4096");
    // The temporary tables' rollback journal in memory, not in a file created and written at each transaction (the
    // run's ledger is thrown away with the connection anyway): a transaction's journal holds the pages it changed.
    db.pragma("temp.journal_mode = MEMORY");
    return new AgentState(db);
  }

  /** @returns the hash of what was last written for the entity, or undefined when unknown */
  hashOf(key: EntityKey): string | undefined {
    return this.#statements.getHash.get(key.blueprint, key.identifier)?.hash ?? undefined;
  }

  /**
   * Records successful writes: the catalog accepted this content. One batch takes one number of the write sequence
   * (every write after a mark compares greater, which is all a reconcile asks).
   */
  recordWrites(writes: readonly { key: EntityKey; hash: string }[]): void {
    if (writes.length === 0) return;
    this.transaction(() => {
      const seq = this.#statements.nextWriteSeq.get()?.seq ?? 0;
      for (const { key, hash } of writes) this.#statements.recordWrite.run(key.blueprint, key.identifier, hash, seq);
    });
  }

  /**
   * Where the write sequence stands: writes recorded later compare greater. A run keeps its mark to recognise
   * what was written after it started. A counter, not the clock, because the wall clock can step back (NTP, a
   * resumed VM) and several writes can share a millisecond.
   */
  get writeMark(): number {
    return this.#statements.currentWriteSeq.get()?.seq ?? 0;
  }

  /** After a delete: the entity is gone, and so is what we knew of it. */
  forget(key: EntityKey): void {
    this.#statements.forget.run(key.blueprint, key.identifier);
  }

  /** The catalog rejected or lost the entity: its next sighting must write it again. */
  invalidate(key: EntityKey): void {
    this.#statements.invalidate.run(key.blueprint, key.identifier);
  }

  /** Starts a run's ledger afresh (one resync at a time per agent). */
  beginLedger(): void {
    // What waits is written first: the pages' digests are worth keeping, the last run's sightings go just after.
    this.#settleHeld();
    this.#db.exec(
      "DELETE FROM run_snapshot; DELETE FROM run_seen; DELETE FROM run_targets; DELETE FROM run_digests; DELETE FROM run_pages;",
    );
  }

  /** Records owned entities the catalog held when the run started. */
  addToSnapshot(keys: readonly EntityKey[]): void {
    this.transaction(() => {
      for (const key of keys) this.#statements.addSnapshot.run(key.blueprint, key.identifier);
    });
  }

  inSnapshot(key: EntityKey): boolean {
    return this.#statements.inSnapshot.get(key.blueprint, key.identifier) !== undefined;
  }

  get snapshotSize(): number {
    return this.#statements.snapshotCount.get()?.n ?? 0;
  }

  /** Records that the run produced the entity (written, unchanged or failed to write). */
  markSeen(key: EntityKey): void {
    this.#statements.markSeen.run(key.blueprint, key.identifier);
  }

  wasSeen(key: EntityKey): boolean {
    this.#settleHeld();
    return this.#statements.wasSeen.get(key.blueprint, key.identifier) !== undefined;
  }

  /** Records identifiers that the run's entities point to through relations. */
  addRelationTargets(identifiers: Iterable<string>): void {
    for (const identifier of identifiers) this.#statements.addTarget.run(identifier);
  }

  /**
   * A batch of entities at once: for each key (in order), the hash last written and whether the catalog held it
   * when the run started ({@link hashOf} and {@link inSnapshot} of each, in one statement).
   */
  known(keys: readonly EntityKey[]): { hash: string | undefined; inSnapshot: boolean }[] {
    const out = keys.map(() => ({ hash: undefined as string | undefined, inSnapshot: false }));
    if (keys.length === 0) return out;
    for (const row of this.#statements.known.iterate(pairsJson(keys))) {
      const slot = out[row.i];
      if (slot === undefined) continue;
      slot.hash = row.hash ?? undefined;
      slot.inSnapshot = row.snap === 1;
    }
    return out;
  }

  /** {@link markSeen} and {@link addRelationTargets} for a batch, in two statements. */
  recordSightings(keys: readonly EntityKey[], targets: Iterable<string>): void {
    if (keys.length > 0) this.#statements.markSeenAll.run(pairsJson(keys));
    const list = [...targets];
    if (list.length > 0) this.#statements.addTargets.run(JSON.stringify(list));
  }

  /**
   * Owned entities of the snapshot that the run did not produce and that nobody wrote through this agent since
   * the run started, at `writeMark` (a live event may have created or refreshed them meanwhile): what a reconcile
   * may delete. `protected` marks those that entities of the run point to through a relation.
   */
  *deletionCandidates(writeMark: number): Generator<EntityKey & { protected: boolean }> {
    this.#settleHeld();
    for (const row of this.#statements.candidates.iterate(writeMark)) {
      yield { blueprint: row.blueprint, identifier: row.identifier, protected: row.protected === 1 };
    }
  }

  /** Runs `work` in one transaction: a page's bookkeeping costs one commit, not one per entity. */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  startRun(kind: RunRecord["kind"], startedAt: number): number {
    return Number(this.#statements.startRun.run(kind, startedAt).lastInsertRowid);
  }

  finishRun(id: number, status: Exclude<RunRecord["status"], "running">, summary: unknown, finishedAt: number): void {
    this.#statements.finishRun.run(finishedAt, status, JSON.stringify(summary), id);
  }

  lastRun(kind: RunRecord["kind"] = "resync"): RunRecord | null {
    const row = this.#statements.lastRun.get(kind);
    return row === undefined ? null : runOf(row);
  }

  /** Runs of every kind, newest first: `limit` of them with ids below `beforeId` (the console's history pages). */
  recentRuns(limit: number, beforeId = Number.MAX_SAFE_INTEGER): RunRecord[] {
    return this.#statements.recentRuns.all(beforeId, limit).map(runOf);
  }

  readmeAt(repository: string, head: string, cap: number): string | null | undefined {
    const row = this.#statements.readmeAt.get(repository, head, cap);
    return row === undefined ? undefined : row.readme;
  }

  rememberReadme(repository: string, head: string, cap: number, readme: string | null): void {
    this.#statements.rememberReadme.run(repository, head, cap, readme);
  }

  /**
   * What the state knows of these item digests (one statement): for each known one, the entities its item produced
   * at the last successful resync, with their content hashes, and the relation targets they point to.
   */
  digestsOf(digests: readonly string[]): Map<string, RememberedItem> {
    const out = new Map<string, RememberedItem>();
    if (digests.length === 0) return out;
    for (const row of this.#statements.digestsOf.iterate(JSON.stringify(digests))) {
      const entities = (JSON.parse(row.entities) as [string, string, string][]).map(
        ([blueprint, identifier, hash]) => ({
          key: { blueprint, identifier },
          hash,
        }),
      );
      out.set(row.digest, { entities, targets: JSON.parse(row.targets) as string[] });
    }
    return out;
  }

  /**
   * Of these item digests, those whose entities the catalog still holds as recorded (see `stillHeld`), with how many
   * entities each stands for (and their keys when `withKeys`); their sightings and relation targets go to the run's
   * ledger, and with `record` the digests are marked seen (a thousand digests at a time, see `#held`). One statement
   * for a page, no per-item one.
   */
  unchangedItems(
    digests: readonly string[],
    options: { snapshotTaken: boolean; record: boolean; withKeys: boolean },
  ): Map<string, { count: number; keys: EntityKey[] }> {
    const out = new Map<string, { count: number; keys: EntityKey[] }>();
    if (digests.length === 0) return out;
    const { sighted, touched } = this.#held;
    for (const row of this.#statements.stillHeld.iterate(JSON.stringify(digests), options.snapshotTaken ? 1 : 0)) {
      const keys = options.withKeys
        ? (JSON.parse(row.entities) as [string, string][]).map(([blueprint, identifier]) => ({
            blueprint,
            identifier,
          }))
        : [];
      out.set(row.digest, { count: row.n, keys });
      sighted.push(row.digest);
      if (options.record) touched.push(row.digest);
    }
    this.#settleSoon();
    return out;
  }

  /** {@link #settleHeld} once enough waits, but not inside a caller's transaction: rolled back, it would lose them. */
  #settleSoon(): void {
    const { sighted, pages, remembered } = this.#held;
    if (this.#db.inTransaction) return;
    if (sighted.length >= HELD_BATCH || pages.length + remembered.length >= HELD_PAGES) this.#settleHeld();
  }

  /** Writes the ledger's waiting writes (`#held`): before anything reads the ledger or changes a digest. */
  #settleHeld(): void {
    const { sighted, touched, pages, remembered } = this.#held;
    if (sighted.length === 0 && touched.length === 0 && pages.length === 0 && remembered.length === 0) return;
    this.transaction(() => {
      if (remembered.length > 0) this.#statements.rememberPages.run(JSON.stringify(remembered));
      if (sighted.length > 0) {
        const held = JSON.stringify(sighted);
        this.#statements.digestSightings.run(held);
        this.#statements.digestTargets.run(held);
      }
      if (touched.length > 0) this.#statements.touchDigests.run(JSON.stringify(touched));
      if (pages.length > 0) this.#statements.touchPages.run(JSON.stringify(pages));
    });
    this.#dropHeld();
  }

  #dropHeld(): void {
    this.#held.sighted.length = 0;
    this.#held.touched.length = 0;
    this.#held.pages.length = 0;
    this.#held.remembered.length = 0;
  }

  /** Marks digests as seen by the run (its ledger): {@link pruneDigests} keeps them. */
  touchDigests(digests: readonly string[]): void {
    if (digests.length > 0) this.#statements.touchDigests.run(JSON.stringify(digests));
  }

  /** Records items whose entities the catalog holds as mapped (written or unchanged), seen by the run. */
  rememberDigests(items: readonly ({ digest: string; fingerprint: string } & RememberedItem)[]): void {
    if (items.length === 0) return;
    // A digest taken for unchanged has its sightings written with the entities it stood for then.
    this.#settleHeld();
    this.touchDigests(items.map((item) => item.digest));
    const rows = items.map((item) => [
      item.digest,
      item.fingerprint,
      JSON.stringify(item.entities.map(({ key, hash }) => [key.blueprint, key.identifier, hash])),
      JSON.stringify(item.targets),
    ]);
    this.#statements.rememberDigests.run(JSON.stringify(rows));
  }

  /**
   * The item digests of a listed page under its key (item-digest.ts, `listedPageDigests`), or undefined when unknown;
   * with `touch`, the page counts as seen by the run ({@link pruneDigests} keeps it).
   */
  pageDigests(page: string, touch: boolean): string[] | undefined {
    const text =
      this.#statements.pageDigests.get(page)?.digests ?? this.#held.remembered.find(([key]) => key === page)?.[2];
    if (text === undefined) return undefined;
    if (touch) this.#held.pages.push(page);
    return JSON.parse(text) as string[];
  }

  /** Records a listed page's item digests under its key, seen by the run. */
  rememberPageDigests(page: string, fingerprint: string, digests: readonly string[]): void {
    this.#held.remembered.push([page, fingerprint, JSON.stringify(digests)]);
    this.#held.pages.push(page);
    this.#settleSoon();
  }

  /** Forgets the item and page digests of a mapping that the run did not see (after it listed its kind completely). */
  pruneDigests(fingerprint: string): void {
    this.#settleHeld();
    this.#statements.pruneDigests.run(fingerprint);
    this.#statements.prunePages.run(fingerprint);
  }

  /** Forgets the digests of every mapping but these (after a full resync: the others' mappings changed). */
  keepDigestsOf(fingerprints: readonly string[]): void {
    this.#settleHeld();
    const kept = JSON.stringify(fingerprints);
    this.#statements.keepDigestsOf.run(kept);
    this.#statements.keepPagesOf.run(kept);
  }

  get digestCount(): number {
    return this.#statements.digestCount.get()?.n ?? 0;
  }

  get entityCount(): number {
    return this.#statements.entityCount.get()?.n ?? 0;
  }

  close(): void {
    this.#db.close();
  }
}

function pairsJson(keys: readonly EntityKey[]): string {
  return JSON.stringify(keys.map((key) => [key.blueprint, key.identifier]));
}

/** What an item produced at the last successful resync (see item-digest.ts). */
export interface RememberedItem {
  entities: { key: EntityKey; hash: string }[];
  targets: string[];
}

interface RunRow {
  id: number;
  kind: RunRecord["kind"];
  started_at: number;
  finished_at: number | null;
  status: RunRecord["status"];
  summary: string | null;
}

function runOf(row: RunRow): RunRecord {
  return {
    id: row.id,
    kind: row.kind,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    summary: row.summary === null ? null : (JSON.parse(row.summary) as unknown),
  };
}

function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the agent state file was written by a newer bbrelay (schema ${version}, this one knows ${SCHEMA_VERSION}); upgrade bbrelay or point BBRELAY_STATE_DIR elsewhere`,
    );
  }
  if (version >= SCHEMA_VERSION) return;
  db.transaction(() => {
    if (version < 1) {
      db.exec(`
        CREATE TABLE entity_state (
          blueprint TEXT NOT NULL,
          identifier TEXT NOT NULL,
          hash TEXT,
          written_at INTEGER,
          PRIMARY KEY (blueprint, identifier)
        ) WITHOUT ROWID;
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          status TEXT NOT NULL,
          summary TEXT
        );
      `);
    }
    if (version < 2) {
      // Entities written before version 2 have no write_seq: they count as written before any run's mark. The
      // write time it replaces was only ever compared with a run's start, and a wall clock can step back.
      db.exec(`
        ALTER TABLE entity_state DROP COLUMN written_at;
        ALTER TABLE entity_state ADD COLUMN write_seq INTEGER;
        CREATE TABLE write_sequence (seq INTEGER NOT NULL);
        INSERT INTO write_sequence (seq) VALUES (0);
      `);
    }
    if (version < 3) {
      // One row per repository: its README at the head it was read at (null: none), and the size cap it was cut at.
      db.exec(`
        CREATE TABLE repository_readme (
          repository TEXT PRIMARY KEY,
          head TEXT NOT NULL,
          cap INTEGER NOT NULL,
          readme TEXT
        ) WITHOUT ROWID;
      `);
    }
    if (version < 4) {
      // Item digest → the entities it produced (JSON [blueprint, identifier, hash] triples) and their relation
      // targets, under the fingerprint of the mapping that produced them (pruned per fingerprint).
      db.exec(`
        CREATE TABLE item_digest (
          digest TEXT PRIMARY KEY,
          fingerprint TEXT NOT NULL,
          entities TEXT NOT NULL,
          targets TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX item_digest_fingerprint ON item_digest (fingerprint);
      `);
    }
    if (version < 5) {
      // Listed page's key (a hash of its fingerprint, body text and kept positions) → its items' digests (a JSON
      // array), pruned per fingerprint as item digests are. A cache like item_digest: a new table, nothing to carry.
      // A rowid table: a page's digests (a kilobyte or more) would overflow a WITHOUT ROWID table's leaf, and reading
      // the overflow pages made a lookup cost as much as digesting the page.
      db.exec(`
        CREATE TABLE page_digest (
          page TEXT NOT NULL UNIQUE,
          fingerprint TEXT NOT NULL,
          digests TEXT NOT NULL
        );
        CREATE INDEX page_digest_fingerprint ON page_digest (fingerprint);
      `);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
