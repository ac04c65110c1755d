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
  {
    version: 2,
    description: '5-minute statistics, events, alarms, audit log, command nonces, runtime settings, eviction counters',
    sql: `
      -- The forwarder reads the outbox in lanes by stream (alarms first, backlog paced).
      CREATE INDEX outbox_by_stream ON outbox (stream, id);

      -- One row per point and 5-minute bucket, computed from good samples only. min/max/mean are
      -- NULL when the bucket had no good numeric sample (never a made-up 0).
      CREATE TABLE stats_5min (
        device_id    TEXT    NOT NULL,
        point_id     TEXT    NOT NULL,
        bucket_start INTEGER NOT NULL,
        samples      INTEGER NOT NULL,
        good         INTEGER NOT NULL,
        min          REAL,
        min_ts       INTEGER,
        max          REAL,
        max_ts       INTEGER,
        mean         REAL,
        PRIMARY KEY (device_id, point_id, bucket_start)
      ) STRICT;
      CREATE INDEX stats_by_time ON stats_5min (bucket_start);

      CREATE TABLE events (
        id   INTEGER PRIMARY KEY AUTOINCREMENT,
        ts   INTEGER NOT NULL,
        kind TEXT    NOT NULL,
        body TEXT    NOT NULL
      ) STRICT;
      CREATE TABLE alarms (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        ts       INTEGER NOT NULL,
        alarm_id TEXT    NOT NULL,
        state    TEXT    NOT NULL,
        body     TEXT    NOT NULL
      ) STRICT;
      CREATE TABLE audit (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        ts         INTEGER NOT NULL,
        source     TEXT    NOT NULL,
        command_id TEXT,
        type       TEXT,
        params     TEXT,
        result     TEXT    NOT NULL,
        reason     TEXT
      ) STRICT;

      -- Nonces of verified commands, kept until the command could no longer be valid.
      CREATE TABLE command_nonces (
        key_id     TEXT    NOT NULL,
        nonce      TEXT    NOT NULL,
        command_id TEXT    NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (key_id, nonce)
      ) STRICT;
      CREATE INDEX command_nonces_by_expiry ON command_nonces (expires_at);

      -- Runtime settings set by commands (quotas, suspension, weather alerts, roster): one JSON
      -- value per name, so a later issue can add a setting without a migration.
      CREATE TABLE runtime_settings (
        name       TEXT    PRIMARY KEY,
        value      TEXT    NOT NULL,
        updated_at INTEGER NOT NULL,
        updated_by TEXT    NOT NULL
      ) STRICT;

      -- Small named counters and marks of the store itself (e.g. the statistics watermark).
      CREATE TABLE store_meta (
        name  TEXT    PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT;

      -- What the disk budget evicted, per class, since the database was created.
      CREATE TABLE evictions (
        class        TEXT    PRIMARY KEY,
        rows         INTEGER NOT NULL,
        samples      INTEGER NOT NULL,
        unsent       INTEGER NOT NULL,
        last_at      INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: 'interlock state (headcount, alarms) kept across restarts',
    // One JSON document per name ("headcount", "alarms"), replaced as a whole: the state is small
    // (one row per person underground, one per active alarm) and must be read back consistently.
    sql: `
      CREATE TABLE interlock_state (
        name       TEXT    PRIMARY KEY,
        value      TEXT    NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    description: 'raw history as one row per poll cycle (table history) instead of one row per sample (table samples)',
    // Format and reasons: history-codec.ts. Existing samples become one history row per (device,
    // ts) — the old table does not say which samples shared a cycle — with a body in the same
    // shape as a telemetry body (cycleStartedAt is the group's ts). Values are written as JSON by
    // SQLite (json_quote writes up to 17 significant digits, which parse back to the same double;
    // checked on a million random bit patterns), booleans as true/false, strings quoted; the values JSON cannot
    // carry (NaN, stored by SQLite as NULL; ±Infinity; -0) go into `special` by index, computed only
    // for the groups that have one. samples is read in ts order through samples_by_time, so the
    // new ids follow time. The whole conversion is one transaction, as every migration.
    // Cost on the dev VM (2 vCPU), ref-1k-like data: 1.2–1.4 s per million samples (5 M in
    // 6.9 s). Disk: the new table (~83 B a sample) is written before the old pages are freed, so
    // the file grows by about that much once (the freed pages are reused afterwards, the file does
    // not shrink) and the WAL holds the new table until the next checkpoint; the GROUP BY sort of
    // a large table spills into SQLite's temporary files as well.
    sql: `
      CREATE TABLE history (
        id        INTEGER PRIMARY KEY,
        device_id TEXT    NOT NULL,
        ts        INTEGER NOT NULL,
        last_ts   INTEGER NOT NULL,
        body      TEXT    NOT NULL,
        special   TEXT
      ) STRICT;

      INSERT INTO history (device_id, ts, last_ts, body, special)
        SELECT device_id, ts, ts,
               '{"device":' || json_quote(device_id) || ',"cycleStartedAt":' || ts || ',"samples":[' || group_concat(sample, ',' ORDER BY r) || ']}',
               CASE WHEN count(special) > 0 THEN (
                 SELECT '{' || group_concat('"' || (i - 1) || '":"' || sp || '"', ',' ORDER BY i) || '}'
                   FROM (SELECT row_number() OVER (ORDER BY s.rowid) AS i,
                                CASE WHEN s.value_kind = 1 THEN
                                  CASE WHEN s.value IS NULL THEN 'NaN'
                                       WHEN s.value = 9e999 THEN 'Infinity'
                                       WHEN s.value = -9e999 THEN '-Infinity'
                                       WHEN s.value = 0 AND atan2(s.value, -1.0) < 0 THEN '-0'
                                  END
                                END AS sp
                           FROM samples AS s
                          WHERE s.ts = g.ts AND s.device_id = g.device_id)
                  WHERE sp IS NOT NULL)
               END
          FROM (
            SELECT r, device_id, ts, special,
                   '{"point":' || json_quote(point_id) || ',"value":' ||
                     CASE value_kind
                       WHEN 0 THEN 'null'
                       WHEN 1 THEN CASE WHEN special IS NULL THEN json_quote(value) ELSE 'null' END
                       WHEN 2 THEN CASE WHEN value = 1 THEN 'true' ELSE 'false' END
                       ELSE json_quote(coalesce(CAST(value AS TEXT), 'null'))
                     END ||
                     ',"quality":' || json_quote(quality) || ',"ts":' || ts ||
                     coalesce(',"exceptionCode":' || exception_code, '') || '}' AS sample
              FROM (
                SELECT rowid AS r, device_id, point_id, ts, value_kind, value, quality, exception_code,
                       CASE WHEN value_kind = 1 THEN
                         CASE WHEN value IS NULL THEN 'NaN'
                              WHEN value = 9e999 THEN 'Infinity'
                              WHEN value = -9e999 THEN '-Infinity'
                              WHEN value = 0 AND atan2(value, -1.0) < 0 THEN '-0'
                         END
                       END AS special
                  FROM samples INDEXED BY samples_by_time
              )
          ) AS g
         GROUP BY ts, device_id;

      DROP INDEX samples_by_point_time;
      DROP INDEX samples_by_time;
      DROP TABLE samples;

      -- (a) one point of one device over a time range; ORDER BY ts, id comes from the index
      CREATE INDEX history_by_device_time ON history (device_id, ts);
      -- (b) retention pruning by age, (c) the disk budget's oldest-first eviction, the statistics rebuild
      CREATE INDEX history_by_time ON history (ts);
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
