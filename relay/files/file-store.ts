import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { EntityKey } from "../catalog/catalog";

/**
 * What the agent keeps about repository files, in its own SQLite file next to the agent state:
 * - a cache of listings and contents by commit (a commit's files never change, so a hit is always right): a resync
 *   whose repositories did not move reads no file again;
 * - the GitOps ledger: per repository file, the entities it declared when last read, so that an entity removed
 *   from the file, or a deleted file, deletes exactly what it declared;
 * - the GitOps files not valid when last read (by a resync or a push), with the reason: what `bbrelay doctor`
 *   reports until the file is fixed or deleted.
 * Losing the file is safe: the next resync reads the files again and the ledger is rebuilt from them (entities
 * declared only by files deleted meanwhile then stay until removed by hand).
 */

/** A file as read at a commit (`absent`: no such path there). */
export type StoredRead =
  | { kind: "text"; text: string }
  | { kind: "binary" }
  | { kind: "too-large"; maxBytes: number }
  | { kind: "absent" };

export interface DeclaringFile {
  repository: string;
  path: string;
  keys: EntityKey[];
}

/** A GitOps file not valid when last read: `P001/repo/port.yml`, `[0].blueprint: must be a string`. */
export interface InvalidFile {
  /** The repository's key and the path in it. */
  repository: string;
  path: string;
  file: string;
  reason: string;
}

const SCHEMA_VERSION = 2;

export class FileStore {
  readonly #db: Database.Database;
  readonly #statements;

  private constructor(db: Database.Database) {
    this.#db = db;
    migrate(db);
    this.#statements = {
      listing: db.prepare<[string, string], { paths: string }>(
        "SELECT paths FROM listings WHERE repository = ? AND commit_id = ?",
      ),
      putListing: db.prepare<[string, string, string]>(
        "INSERT OR REPLACE INTO listings (repository, commit_id, paths) VALUES (?, ?, ?)",
      ),
      content: db.prepare<[string, string, string], { read: string }>(
        "SELECT read FROM contents WHERE repository = ? AND path = ? AND commit_id = ?",
      ),
      putContent: db.prepare<[string, string, string, string]>(
        "INSERT OR REPLACE INTO contents (repository, path, commit_id, read) VALUES (?, ?, ?, ?)",
      ),
      declared: db.prepare<[string, string], { keys: string }>(
        "SELECT keys FROM gitops_files WHERE repository = ? AND path = ?",
      ),
      putDeclared: db.prepare<[string, string, string]>(
        "INSERT OR REPLACE INTO gitops_files (repository, path, keys) VALUES (?, ?, ?)",
      ),
      forgetDeclared: db.prepare<[string, string]>("DELETE FROM gitops_files WHERE repository = ? AND path = ?"),
      allDeclared: db.prepare<[], { repository: string; path: string; keys: string }>(
        "SELECT repository, path, keys FROM gitops_files ORDER BY repository, path",
      ),
      putInvalid: db.prepare<[string, string, string, string]>(
        "INSERT OR REPLACE INTO gitops_invalid (repository, path, file, reason) VALUES (?, ?, ?, ?)",
      ),
      clearInvalid: db.prepare<[string, string]>("DELETE FROM gitops_invalid WHERE repository = ? AND path = ?"),
      invalid: db.prepare<[], InvalidFile>("SELECT repository, path, file, reason FROM gitops_invalid ORDER BY file"),
    };
  }

  /** Opens (and creates) the file; `:memory:` for tests. */
  static open(path: string): FileStore {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    return new FileStore(db);
  }

  listing(repository: string, commit: string): string[] | undefined {
    const row = this.#statements.listing.get(repository, commit);
    return row === undefined ? undefined : (JSON.parse(row.paths) as string[]);
  }

  /** The repository's listing at whatever commit it was last taken. */
  lastListing(repository: string): { commit: string; paths: string[] } | undefined {
    const row = this.#db
      .prepare<[string], { commit_id: string; paths: string }>(
        "SELECT commit_id, paths FROM listings WHERE repository = ? LIMIT 1",
      )
      .get(repository);
    return row === undefined ? undefined : { commit: row.commit_id, paths: JSON.parse(row.paths) as string[] };
  }

  /** The path's content at whatever commit it was last read. */
  lastContent(repository: string, path: string): { commit: string; read: StoredRead } | undefined {
    const row = this.#db
      .prepare<[string, string], { commit_id: string; read: string }>(
        "SELECT commit_id, read FROM contents WHERE repository = ? AND path = ? LIMIT 1",
      )
      .get(repository, path);
    return row === undefined ? undefined : { commit: row.commit_id, read: JSON.parse(row.read) as StoredRead };
  }

  /** Keeps one listing per repository: the newest commit's. */
  putListing(repository: string, commit: string, paths: readonly string[]): void {
    this.#db.transaction(() => {
      this.#db.prepare("DELETE FROM listings WHERE repository = ?").run(repository);
      this.#statements.putListing.run(repository, commit, JSON.stringify(paths));
    })();
  }

  content(repository: string, path: string, commit: string): StoredRead | undefined {
    const row = this.#statements.content.get(repository, path, commit);
    return row === undefined ? undefined : (JSON.parse(row.read) as StoredRead);
  }

  /** Keeps one read per repository path: the newest commit's. */
  putContent(repository: string, path: string, commit: string, read: StoredRead): void {
    this.#db.transaction(() => {
      this.#db.prepare("DELETE FROM contents WHERE repository = ? AND path = ?").run(repository, path);
      this.#statements.putContent.run(repository, path, commit, JSON.stringify(read));
    })();
  }

  /** The entities a GitOps file declared when last read, or undefined when it never was. */
  declared(repository: string, path: string): EntityKey[] | undefined {
    const row = this.#statements.declared.get(repository, path);
    return row === undefined ? undefined : (JSON.parse(row.keys) as EntityKey[]);
  }

  putDeclared(repository: string, path: string, keys: readonly EntityKey[]): void {
    this.#statements.putDeclared.run(repository, path, JSON.stringify(keys));
  }

  forgetDeclared(repository: string, path: string): void {
    this.#statements.forgetDeclared.run(repository, path);
  }

  /** Every GitOps file the ledger knows, with what it declared. */
  allDeclared(): DeclaringFile[] {
    return this.#statements.allDeclared
      .all()
      .map((row) => ({ repository: row.repository, path: row.path, keys: JSON.parse(row.keys) as EntityKey[] }));
  }

  /** The GitOps file `file` (repository key and path) is not valid, for `reason`. */
  putInvalid(repository: string, path: string, file: string, reason: string): void {
    this.#statements.putInvalid.run(repository, path, file, reason);
  }

  /** The GitOps file was read and is valid, or is gone. */
  clearInvalid(repository: string, path: string): void {
    this.#statements.clearInvalid.run(repository, path);
  }

  /** The GitOps files not valid when last read. */
  invalidFiles(): InvalidFile[] {
    return this.#statements.invalid.all();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the agent's file state was written by a newer bbrelay (schema ${version}, this one knows ${SCHEMA_VERSION}); upgrade bbrelay or point BBRELAY_STATE_DIR elsewhere`,
    );
  }
  if (version >= SCHEMA_VERSION) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS listings (
      repository TEXT NOT NULL, commit_id TEXT NOT NULL, paths TEXT NOT NULL, PRIMARY KEY (repository, commit_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS contents (
      repository TEXT NOT NULL, path TEXT NOT NULL, commit_id TEXT NOT NULL, read TEXT NOT NULL,
      PRIMARY KEY (repository, path, commit_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS gitops_files (
      repository TEXT NOT NULL, path TEXT NOT NULL, keys TEXT NOT NULL, PRIMARY KEY (repository, path)
    ) WITHOUT ROWID;
    -- Schema 2.
    CREATE TABLE IF NOT EXISTS gitops_invalid (
      repository TEXT NOT NULL, path TEXT NOT NULL, file TEXT NOT NULL, reason TEXT NOT NULL,
      PRIMARY KEY (repository, path)
    ) WITHOUT ROWID;
  `);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
