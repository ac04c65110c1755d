import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { DatabaseTooNewError, LATEST_SCHEMA_VERSION } from '../../agent/store/migrations.js';
import { Store } from '../../agent/store/store.js';

const clock: Clock = { now: () => Date.UTC(2025, 0, 2, 3, 4, 5, 6), monotonic: () => performance.now() };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shaftgate-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function open(path = join(dir, 'shaftgate.db')): Store {
  return Store.open({ path, historyRetentionDays: 30, maxPendingCycles: 100, statsRetentionDays: 365, diskBudgetBytes: 2 ** 31 }, { clock, logger: silentLogger() });
}

describe('Store.open', () => {
  it('creates the folder, applies every migration to an empty file and sets the PRAGMAs', () => {
    const path = join(dir, 'nested', 'folder', 'shaftgate.db');
    const store = open(path);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['outbox', 'history', 'stream_seq']));
    expect(tables.map((t) => t.name)).not.toContain('samples'); // per-sample history was replaced by migration 4
    db.close();
    expect(store.startupNotices).toEqual([]);
  });

  it('uses synchronous=FULL, foreign keys and a bounded WAL on its own connection', () => {
    const store = open();
    // Read the connection's PRAGMAs through the store's own database handle.
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(64 * 1024 * 1024);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(100);
    store.close();
    store.close(); // idempotent
  });

  it('reopens an existing database without migrating or moving it', () => {
    open().close();
    const store = open();
    expect(store.startupNotices).toEqual([]);
    store.close();
    expect(readdirSync(dir).filter((f) => f.includes('corrupt'))).toEqual([]);
  });

  it('refuses a database written by a newer shaftgate, and leaves it where it is', () => {
    const path = join(dir, 'shaftgate.db');
    const db = new Database(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => open(path)).toThrow(DatabaseTooNewError);
    expect(() => open(path)).toThrow(new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1}.*knows only up to version ${LATEST_SCHEMA_VERSION}`));
    expect(readdirSync(dir).filter((f) => f.includes('corrupt'))).toEqual([]);
  });

  it('moves a file that is not a database aside, with its -wal and -shm, and starts a new one', () => {
    const path = join(dir, 'shaftgate.db');
    const garbage = 'this is not SQLite, it is a cable label\n'.repeat(200);
    writeFileSync(path, garbage);
    writeFileSync(`${path}-wal`, 'stale wal');
    writeFileSync(`${path}-shm`, 'stale shm');
    const store = open(path);
    const movedTo = `${path}.corrupt-2025-01-02T03-04-05-006Z`;
    expect(store.startupNotices).toHaveLength(1);
    expect(store.startupNotices[0]).toMatchObject({ kind: 'database_moved_aside', from: path, to: movedTo });
    expect(store.startupNotices[0]?.reason).toMatch(/not a database/);
    expect(readFileSync(movedTo, 'utf8')).toBe(garbage);
    expect(readFileSync(`${movedTo}-wal`, 'utf8')).toBe('stale wal');
    expect(readFileSync(`${movedTo}-shm`, 'utf8')).toBe('stale shm');
    store.appendOutbox('events', { works: true });
    expect(store.stats().rows).toBe(1);
    store.close();
  });

  it('moves a database that fails its integrity check aside', () => {
    const path = join(dir, 'shaftgate.db');
    const setup = open(path);
    setup.appendOutbox('events', { filler: 'x'.repeat(3000) });
    for (let i = 0; i < 50; i++) setup.appendOutbox('events', { filler: 'y'.repeat(3000) });
    setup.close();
    // Scribble over the middle of the file: the header stays valid, b-tree pages do not.
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 8192, 8192 + 4096 * 4);
    writeFileSync(path, bytes);
    const store = open(path);
    expect(store.startupNotices).toHaveLength(1);
    expect(store.startupNotices[0]?.kind).toBe('database_moved_aside');
    expect(existsSync(store.startupNotices[0]?.to ?? '')).toBe(true);
    expect(store.stats().rows).toBe(0);
    store.close();
  });

  it('names a second damaged file differently from the first', () => {
    const path = join(dir, 'shaftgate.db');
    writeFileSync(path, 'garbage '.repeat(1000));
    open(path).close();
    writeFileSync(path, 'garbage again '.repeat(1000));
    const store = open(path);
    expect(store.startupNotices[0]?.to).toBe(`${path}.corrupt-2025-01-02T03-04-05-006Z-2`);
    store.close();
  });

  it('explains an unwritable location instead of moving anything', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    expect(() => open(join(blocker, 'shaftgate.db'))).toThrow(/cannot open store database .*shaftgate\.db.*Check:/);
  });
});
