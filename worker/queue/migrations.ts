/**
 * The queue's SQLite schema, one entry per version. The table `schema_version` records how many have run
 * (`PRAGMA user_version` would be the usual place, but workerd refuses it: SQLITE_AUTH); the constructor runs the
 * missing ones inside `blockConcurrencyWhile`, so no request ever sees a half-migrated database. Append new
 * versions; never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `
  -- One row per message. state: 'ready' (waiting; delayed while visible_at is in the future), 'leased' (in flight),
  -- 'dead' (a dead letter). seq is the order of arrival and, as text, the public message id.
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL CHECK (type IN ('event', 'resync')),
    event_key TEXT,
    delivery_id TEXT,
    entity_key TEXT NOT NULL,
    resync_reason TEXT,
    received_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ready', 'leased', 'dead')),
    visible_at INTEGER NOT NULL,
    lease_id TEXT,
    lease_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    dead_at INTEGER,
    body_bytes INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX messages_by_state ON messages (state, seq);
  CREATE INDEX messages_by_visibility ON messages (state, visible_at);
  CREATE INDEX messages_by_lease ON messages (state, lease_until);
  CREATE INDEX messages_by_entity ON messages (entity_key, state, seq);

  -- Webhook bodies, in chunks below SQLite's 2 MB row limit; returned byte-exact.
  CREATE TABLE payload_chunks (
    seq INTEGER NOT NULL,
    part INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (seq, part)
  ) WITHOUT ROWID;

  -- Delivery ids seen (X-Request-Id, or the body's SHA-256), kept for the retention period after the message is
  -- gone, so that a late duplicate is still recognised.
  CREATE TABLE deliveries (
    delivery_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    received_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX deliveries_by_age ON deliveries (received_at);

  -- Every lease issued, remembered for a day after it ends so that a repeated ack is answered "ok" (idempotent)
  -- and a late one "expired" rather than "unknown". outcome: NULL while active, else ack | retry | dead | expired.
  CREATE TABLE leases (
    lease_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    outcome TEXT,
    ended_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX leases_by_end ON leases (ended_at);

  -- One row of counters and last-seen times.
  CREATE TABLE stats (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    received INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    ignored INTEGER NOT NULL DEFAULT 0,
    bad_signatures INTEGER NOT NULL DEFAULT 0,
    dropped INTEGER NOT NULL DEFAULT 0,
    acked INTEGER NOT NULL DEFAULT 0,
    retried INTEGER NOT NULL DEFAULT 0,
    expired INTEGER NOT NULL DEFAULT 0,
    dead INTEGER NOT NULL DEFAULT 0,
    last_webhook_at INTEGER,
    last_ping_at INTEGER,
    last_agent_contact_at INTEGER,
    -- Message counts by state, kept exact by the triggers below so that the backlog cap and the lease answer
    -- never need a COUNT(*) over a large backlog.
    ready_count INTEGER NOT NULL DEFAULT 0,
    leased_count INTEGER NOT NULL DEFAULT 0,
    dead_count INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO stats (id) VALUES (1);

  CREATE TRIGGER messages_counted_on_insert AFTER INSERT ON messages BEGIN
    UPDATE stats SET
      ready_count = ready_count + (NEW.state = 'ready'),
      leased_count = leased_count + (NEW.state = 'leased'),
      dead_count = dead_count + (NEW.state = 'dead')
    WHERE id = 1;
  END;
  CREATE TRIGGER messages_counted_on_delete AFTER DELETE ON messages BEGIN
    UPDATE stats SET
      ready_count = ready_count - (OLD.state = 'ready'),
      leased_count = leased_count - (OLD.state = 'leased'),
      dead_count = dead_count - (OLD.state = 'dead')
    WHERE id = 1;
  END;
  CREATE TRIGGER messages_counted_on_move AFTER UPDATE OF state ON messages WHEN OLD.state <> NEW.state BEGIN
    UPDATE stats SET
      ready_count = ready_count - (OLD.state = 'ready') + (NEW.state = 'ready'),
      leased_count = leased_count - (OLD.state = 'leased') + (NEW.state = 'leased'),
      dead_count = dead_count - (OLD.state = 'dead') + (NEW.state = 'dead')
    WHERE id = 1;
  END;
  `,
  // 2: which agent (and which run of it) holds each lease, so that a restarted agent gets its leases back at once.
  `
  ALTER TABLE leases ADD COLUMN agent_id TEXT;
  ALTER TABLE leases ADD COLUMN incarnation TEXT;
  CREATE INDEX leases_by_agent ON leases (agent_id, outcome);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database up to {@link SCHEMA_VERSION}.
 * @returns the version the database was at before
 */
export function migrate(storage: DurableObjectStorage): number {
  const sql = storage.sql;
  sql.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
  );
  const from =
    sql.exec<{ version: number }>("SELECT version FROM schema_version WHERE id = 1").toArray()[0]?.version ?? 0;
  if (from > SCHEMA_VERSION) {
    throw new Error(`the queue's database is at schema version ${from}, newer than this code (${SCHEMA_VERSION})`);
  }
  for (let version = from; version < SCHEMA_VERSION; version++) {
    const step = MIGRATIONS[version];
    if (step === undefined) break;
    // Each step and its version bump commit together, or not at all.
    storage.transactionSync(() => {
      sql.exec(step);
      sql.exec(
        "INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        version + 1,
      );
    });
  }
  return from;
}
