import Database from "better-sqlite3";

/**
 * Opens the local catalog's file for writing, tuned for a resync's volume. The agent's thread and the catalog's
 * writer thread (local-writer-thread.ts) each open it so: two connections to one WAL file, one writing entities,
 * the other reading (and writing blueprints, rarely). better-sqlite3 waits up to 5 s for the other's write lock.
 */
export function openCatalogFile(path: string): Database.Database {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits,
    // which the next resync rewrites.
    db.pragma("synchronous = NORMAL");
    // A resync touches every entity: with a 2 MiB page cache the B-trees of 100,000 entities spill to disk on
    // every transaction. 16 MiB keeps the hot pages (a ceiling, not an allocation: it is the agent's memory once
    // the catalog is that large, so no more; pages beyond it come from the OS's file cache, not from disk).
    db.pragma("cache_size = -16384");
    // Checkpoints are where WAL mode syncs to disk; the default (every 1,000 pages) makes a first resync spend
    // most of its time in them. Every 10,000 pages (about 40 MiB of WAL) cuts that by half or more.
    db.pragma("wal_autocheckpoint = 10000");
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
