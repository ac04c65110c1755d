/**
 * Versioned schema migrations. `PRAGMA user_version` holds the number of migrations applied.
 *
 * Rules: never edit or reorder a migration that has shipped; append a new one. Each runs in its own
 * transaction together with the user_version bump, so a power cut leaves the database at the
 * previous or the next version, never in between.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** The user_version after this migration; equals its position in MIGRATIONS + 1. */
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'samples history, outbox, per-stream sequence numbers',
    // STRICT tables: SQLite rejects a value of the wrong type instead of converting it silently.
    // samples.value is ANY so each value keeps its own type (REAL, INTEGER 0/1 for booleans, TEXT,
    // NULL); value_kind says how to read it back (see value-codec.ts), so 1.0 and true stay apart.
    sql: `
      CREATE TABLE samples (
        device_id      TEXT    NOT NULL,
        point_id       TEXT    NOT NULL,
        ts             INTEGER NOT NULL,
        value_kind     INTEGER NOT NULL CHECK (value_kind BETWEEN 0 AND 3),
        value          ANY,
        quality        TEXT    NOT NULL,
        exception_code INTEGER
      ) STRICT;
      CREATE INDEX samples_by_point_time ON samples (device_id, point_id, ts);
      -- retention deletes by age; without this index each pruning pass would scan the table
      CREATE INDEX samples_by_time ON samples (ts);

      -- AUTOINCREMENT: ids are never reused, even after every row was deleted, so the forwarder's
      -- "after id N" cursor can never skip or repeat a row.
      CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        stream      TEXT    NOT NULL,
        seq         INTEGER NOT NULL,
        msg_id      TEXT    NOT NULL UNIQUE,
        recorded_at INTEGER NOT NULL,
        body        TEXT    NOT NULL,
        UNIQUE (stream, seq)
      ) STRICT;

      -- The last sequence number given out per stream. Kept apart from outbox because the outbox
      -- is emptied by acknowledgements, and numbers must never repeat.
      CREATE TABLE stream_seq (
        stream   TEXT    PRIMARY KEY,
        last_seq INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** Thrown when the database was written by a newer shaftgate: opening it could damage it. */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly path: string,
    readonly foundVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `store database ${path} has schema version ${foundVersion}, but this shaftgate knows only up to version ${knownVersion}: ` +
        `it was written by a newer shaftgate. Install that newer version again (downgrading is not supported), ` +
        `or stop the agent and move the file aside to start with an empty store.`,
    );
    this.name = 'DatabaseTooNewError';
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the database to LATEST_SCHEMA_VERSION. Returns the versions applied. */
export function migrate(db: Database, path: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = schemaVersion(db);
  if (current > migrations.length) throw new DatabaseTooNewError(path, current, migrations.length);
  const applied: number[] = [];
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      // PRAGMA takes no bound parameters; version is a number from this file, not input.
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}
