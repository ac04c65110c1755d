/**
 * Opens the store's SQLite file: folder, PRAGMAs, integrity check, migrations. A damaged file is
 * moved aside (never deleted) and a new one started, and the caller is told so it can alarm.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../model/clock.js';
import type { Logger } from '../runtime/logger.js';
import { DatabaseTooNewError, migrate } from './migrations.js';
import { CorruptDatabaseError, isCorruptionError, StoreOpenError } from './store-errors.js';

export interface DatabaseMovedAside {
  kind: 'database_moved_aside';
  /** Where the damaged database was. */
  from: string;
  /** Where it is now (its -wal/-shm files carry the same new name plus their suffix). */
  to: string;
  reason: string;
}

/** Things that happened while opening the store that the agent should raise as alarms. */
export type StartupNotice = DatabaseMovedAside;

export interface OpenedDatabase {
  db: Database.Database;
  notices: StartupNotice[];
}

/**
 * synchronous=FULL, deliberately. In WAL mode NORMAL never corrupts the file, but it syncs the WAL
 * only at checkpoints, so a power cut can take the last committed transactions with it — on Linux
 * up to ~30 s of page cache: outbox rows the platform never got and acknowledgements. The product
 * promises that nothing that reached the store is lost, and shaft-head power does fail. FULL syncs
 * the WAL at every commit; the store writer puts all waiting cycles into one transaction, so that
 * is one fsync per write batch.
 *
 * Measured on the dev VM (virtio disk), one commit = 1 cycle × 100 float32 samples + its outbox row:
 * FULL p50 1.5 ms / p99 12 ms, NORMAL p50 0.45 ms / p99 4.3 ms; 10 cycles (1000 samples): FULL
 * p50 17.2 ms, NORMAL 16.4 ms (CPU-bound, the fsync is noise). At ref-1k that is ~2 % of a core
 * either way. Re-measure on the target gateway's flash: if its fsync is slow, batch commits over a
 * few ms in StoreWriter rather than weakening this.
 */
const SYNCHRONOUS = 'FULL';
/** WAL is truncated back to this size after a checkpoint, so a burst does not leave a huge file. */
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** Pages in the WAL before SQLite checkpoints on commit (1000 × 4 KiB = 4 MiB, SQLite's default made explicit). */
const WAL_AUTOCHECKPOINT_PAGES = 1000;
/**
 * How long a write waits for a lock held by another process (a sqlite3 shell, a backup). The store
 * runs on the agent's event loop, so a long wait would stall polling and interlocks; the writer
 * keeps the batch and retries instead.
 */
const BUSY_TIMEOUT_MS = 100;

export function openStoreDatabase(path: string, deps: { clock: Clock; logger: Logger }): OpenedDatabase {
  ensureFolder(path);
  try {
    return { db: openChecked(path, deps.logger), notices: [] };
  } catch (error) {
    if (!isCorruptionError(error)) throw asOpenError(path, error);
    const reason = error instanceof Error ? error.message : String(error);
    let to: string;
    try {
      to = moveAside(path, deps.clock.now());
    } catch (moveError) {
      throw new StoreOpenError(path, new Error(`it is damaged (${reason}) and could not be moved aside: ${moveError instanceof Error ? moveError.message : String(moveError)}`));
    }
    deps.logger.error(
      { path, movedTo: to, reason },
      `store database ${path} is damaged (${reason}); moved it aside to ${to} and started a new, empty one. ` +
        `Messages not yet forwarded are in the moved file; keep it for inspection and check the disk and power supply.`,
    );
    try {
      return { db: openChecked(path, deps.logger), notices: [{ kind: 'database_moved_aside', from: path, to, reason }] };
    } catch (retryError) {
      throw asOpenError(path, retryError);
    }
  }
}

function ensureFolder(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw asOpenError(path, error);
  }
}

function openChecked(path: string, logger: Logger): Database.Database {
  checkHeader(path);
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    applyPragmas(db, path, logger);
    quickCheck(db, path, logger);
    const applied = migrate(db, path);
    if (applied.length > 0) logger.info({ path, applied }, `store database ${path} migrated to schema version ${applied.at(-1)}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function applyPragmas(db: Database.Database, path: string, logger: Logger): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // The first statement that reads the file: a file that is not SQLite fails here with SQLITE_NOTADB.
  const journalMode = db.pragma('journal_mode = WAL', { simple: true });
  if (journalMode !== 'wal') {
    logger.warn({ path, journalMode }, `store database ${path} could not switch to WAL journaling (got "${String(journalMode)}"): is it on a network or special filesystem? Writes will be slower.`);
  }
  db.pragma(`synchronous = ${SYNCHRONOUS}`);
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma('foreign_keys = ON');
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Rejects a file that is not SQLite before SQLite opens it: on close, SQLite removes the -wal and
 * -shm files next to a database it could not read, and those may hold the newest data. (For a file
 * with a good header that then fails quick_check, closing checkpoints the WAL into the main file,
 * so its content moves aside with it.) An empty file is fine: SQLite makes it a new database.
 */
function checkHeader(path: string): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const read = readSync(fd, header, 0, header.length, 0);
    if (read > 0 && (read < header.length || !header.equals(SQLITE_HEADER))) {
      throw new CorruptDatabaseError(path, 'file is not a database (no SQLite header)');
    }
  } finally {
    closeSync(fd);
  }
}

/** quick_check reads every page (linear in the file size) but skips the slow index cross-checks. */
function quickCheck(db: Database.Database, path: string, logger: Logger): void {
  const started = performance.now();
  const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
  const problems = rows.map((row) => row.quick_check).filter((line) => line !== 'ok');
  logger.debug({ path, ms: Math.round(performance.now() - started) }, 'store integrity check done');
  if (problems.length > 0) throw new CorruptDatabaseError(path, problems.slice(0, 5).join('; '));
}

/** Renames the database and its -wal/-shm files to `<path>.corrupt-<UTC time>[-n]`. Never deletes. */
function moveAside(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  let to = `${path}.corrupt-${stamp}`;
  for (let n = 2; existsSync(to); n++) to = `${path}.corrupt-${stamp}-${n}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, to + suffix);
  }
  return to;
}

function asOpenError(path: string, error: unknown): Error {
  if (error instanceof StoreOpenError || error instanceof DatabaseTooNewError) return error;
  return new StoreOpenError(path, error);
}
