import type Database from "better-sqlite3";

/**
 * The local catalog's tables. Entities are keyed like Port's, `(blueprint, identifier)`; team, properties and
 * relations are JSON text. `entity_relations` indexes every relation value by its target, which is what deletes
 * (dependents, orphaned relations) and relation queries need without scanning; it is kept in step with the
 * entities' own relations by difference, so it needs no second index by source. Timestamps are ISO strings from one
 * clock (`Date#toISOString`, fixed width), so they order as text. `entities` is a rowid table on purpose: its rows
 * (JSON properties) are far larger than the 1/20 of a page below which SQLite advises WITHOUT ROWID, and measured so,
 * the first write of 100,000 pull requests took twice as long and a larger file as WITHOUT ROWID.
 */
export const LOCAL_SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS catalog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blueprints (
  identifier TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entities (
  blueprint TEXT NOT NULL,
  identifier TEXT NOT NULL,
  title TEXT,
  team TEXT NOT NULL DEFAULT '[]',
  icon TEXT,
  properties TEXT NOT NULL DEFAULT '{}',
  relations TEXT NOT NULL DEFAULT '{}',
  datasource TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (blueprint, identifier)
);
CREATE TABLE IF NOT EXISTS entity_relations (
  target_blueprint TEXT NOT NULL,
  target_identifier TEXT NOT NULL,
  blueprint TEXT NOT NULL,
  identifier TEXT NOT NULL,
  relation TEXT NOT NULL,
  PRIMARY KEY (target_blueprint, target_identifier, blueprint, identifier, relation)
) WITHOUT ROWID;
`;

/**
 * Creates the tables of a new catalog, or checks that an existing one is of a version this agent reads.
 * @throws Error when the file was written by a newer agent
 */
export function migrateLocalSchema(db: Database.Database): void {
  db.exec(DDL);
  const row = db.prepare<[], { value: string }>("SELECT value FROM catalog_meta WHERE key = 'schema_version'").get();
  if (row === undefined) {
    db.prepare("INSERT INTO catalog_meta (key, value) VALUES ('schema_version', ?)").run(String(LOCAL_SCHEMA_VERSION));
    return;
  }
  if (Number(row.value) > LOCAL_SCHEMA_VERSION) {
    throw new Error(
      `the local catalog was written by a newer bbrelay (schema ${row.value}, this one reads ${LOCAL_SCHEMA_VERSION}): upgrade bbrelay or use another CATALOG_PATH`,
    );
  }
}

/** @returns whether a database holds a local catalog (for read-only opens, which must not create tables) */
export function hasLocalSchema(db: Database.Database): boolean {
  const row = db
    .prepare<[], { n: number }>(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('entities', 'blueprints', 'entity_relations')",
    )
    .get();
  return row?.n === 3;
}
