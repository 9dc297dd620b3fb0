import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { EntityKey } from "../catalog/catalog";

/**
 * The agent's own durable state (one SQLite file, separate from any catalog):
 * - per entity, the content hash of what was last written, so a resync writes only what changed, and which run
 *   last saw it, so reconcile can tell stale entities from live ones with constant memory;
 * - the history of resync runs and their summaries, for `bbrelay status`.
 * Losing the file is safe: the next resync writes everything once and rebuilds it.
 */

export interface RunRecord {
  id: number;
  kind: "resync" | "dry-run";
  startedAt: number;
  finishedAt: number | null;
  status: "running" | "succeeded" | "failed" | "aborted";
  /** The run's summary as the resync produced it (JSON). */
  summary: unknown;
}

const SCHEMA_VERSION = 1;

export class AgentState {
  readonly #db: Database.Database;
  readonly #statements;

  private constructor(db: Database.Database) {
    this.#db = db;
    migrate(db);
    this.#statements = {
      getHash: db.prepare<[string, string], { hash: string }>(
        "SELECT hash FROM entity_state WHERE blueprint = ? AND identifier = ?",
      ),
      recordWrite: db.prepare<[string, string, string, number, number]>(
        `INSERT INTO entity_state (blueprint, identifier, hash, written_at, seen_run) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (blueprint, identifier) DO UPDATE SET hash = excluded.hash, written_at = excluded.written_at,
           seen_run = max(coalesce(entity_state.seen_run, 0), excluded.seen_run)`,
      ),
      markSeen: db.prepare<[string, string, number]>(
        `INSERT INTO entity_state (blueprint, identifier, hash, written_at, seen_run) VALUES (?, ?, NULL, NULL, ?)
         ON CONFLICT (blueprint, identifier) DO UPDATE SET seen_run = excluded.seen_run`,
      ),
      seenRun: db.prepare<[string, string], { seen_run: number | null }>(
        "SELECT seen_run FROM entity_state WHERE blueprint = ? AND identifier = ?",
      ),
      forget: db.prepare<[string, string]>("DELETE FROM entity_state WHERE blueprint = ? AND identifier = ?"),
      invalidate: db.prepare<[string, string]>(
        "UPDATE entity_state SET hash = NULL WHERE blueprint = ? AND identifier = ?",
      ),
      startRun: db.prepare<[string, number]>("INSERT INTO runs (kind, started_at, status) VALUES (?, ?, 'running')"),
      finishRun: db.prepare<[number, string, string, number]>(
        "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
      ),
      lastRun: db.prepare<[string], RunRow>("SELECT * FROM runs WHERE kind = ? ORDER BY id DESC LIMIT 1"),
      entityCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM entity_state"),
    };
  }

  /** Opens (and creates or migrates) the state file; `:memory:` for tests and dry runs. */
  static open(path: string): AgentState {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    return new AgentState(db);
  }

  /** @returns the hash of what was last written for the entity, or undefined when unknown */
  hashOf(key: EntityKey): string | undefined {
    return this.#statements.getHash.get(key.blueprint, key.identifier)?.hash ?? undefined;
  }

  /** Records a successful write (the catalog accepted it) and that the run saw it. */
  recordWrite(key: EntityKey, hash: string, at: number, runId = 0): void {
    this.#statements.recordWrite.run(key.blueprint, key.identifier, hash, at, runId);
  }

  /** Records that a run produced the entity (written or unchanged). */
  markSeen(key: EntityKey, runId: number): void {
    this.#statements.markSeen.run(key.blueprint, key.identifier, runId);
  }

  wasSeen(key: EntityKey, runId: number): boolean {
    return this.#statements.seenRun.get(key.blueprint, key.identifier)?.seen_run === runId;
  }

  /** After a delete: the entity is gone, and so is what we knew of it. */
  forget(key: EntityKey): void {
    this.#statements.forget.run(key.blueprint, key.identifier);
  }

  /** The catalog lost the entity (or rejected it): its next sighting must write it again. */
  invalidate(key: EntityKey): void {
    this.#statements.invalidate.run(key.blueprint, key.identifier);
  }

  /** Runs `work` in one transaction: a resync page's bookkeeping costs one fsync, not one per entity. */
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
    if (row === undefined) return null;
    return {
      id: row.id,
      kind: row.kind,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      status: row.status,
      summary: row.summary === null ? null : (JSON.parse(row.summary) as unknown),
    };
  }

  get entityCount(): number {
    return this.#statements.entityCount.get()?.n ?? 0;
  }

  close(): void {
    this.#db.close();
  }
}

interface RunRow {
  id: number;
  kind: RunRecord["kind"];
  started_at: number;
  finished_at: number | null;
  status: RunRecord["status"];
  summary: string | null;
}

function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the agent state file was written by a newer bbrelay (schema ${version}, this one knows ${SCHEMA_VERSION}); upgrade bbrelay or point BBRELAY_STATE_DIR elsewhere`,
    );
  }
  if (version < 1) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS entity_state (
        blueprint TEXT NOT NULL,
        identifier TEXT NOT NULL,
        hash TEXT,
        written_at INTEGER,
        seen_run INTEGER,
        PRIMARY KEY (blueprint, identifier)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        status TEXT NOT NULL,
        summary TEXT
      );
      PRAGMA user_version = 1;
    `);
  }
}
