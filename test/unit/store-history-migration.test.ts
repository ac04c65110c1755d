/**
 * Migration 4: the per-sample `samples` table of schema versions 1–3 becomes one `history` row per
 * (device, ts). Built on a real version-3 file, filled the way the old store wrote it (encodeValue
 * into value_kind/value), and compared with what the old Store.history query returned for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../agent/model/clock.js';
import type { Quality, SampleValue } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { LATEST_SCHEMA_VERSION, migrate, MIGRATIONS, schemaVersion } from '../../agent/store/migrations.js';
import { Store, type StoredSample } from '../../agent/store/store.js';
import { decodeValue, encodeValue, type StoredValue } from '../../agent/store/value-codec.js';

const NOW = Date.UTC(2025, 5, 1, 12);
const clock: Clock = { now: () => NOW, monotonic: () => performance.now() };
let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shaftgate-migrate-'));
  path = join(dir, 'shaftgate.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A sample as the old per-sample table held it: the same fields the store reads back. */
type OldSample = StoredSample;

/** A database at schema version 3 with `samples` written exactly as the old store's recordBatch did. */
function buildVersion3(samples: readonly OldSample[]): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db, path, MIGRATIONS.slice(0, 3));
  expect(schemaVersion(db)).toBe(3);
  const insert = db.prepare('INSERT INTO samples (device_id, point_id, ts, value_kind, value, quality, exception_code) VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const s of samples) {
      const encoded = encodeValue(s.value);
      insert.run(s.deviceId, s.pointId, s.ts, encoded.kind, encoded.value, s.quality, s.exceptionCode ?? null);
    }
  })();
  db.close();
}

/** What the old Store.history returned: its query and decodeValue, on the version-3 file. */
function oldHistory(db: Database.Database, deviceId: string, pointId: string, fromTs: number, toTs: number, limit = 10_000): StoredSample[] {
  const rows = db
    .prepare('SELECT * FROM samples WHERE device_id = ? AND point_id = ? AND ts >= ? AND ts < ? ORDER BY ts, rowid LIMIT ?')
    .all(deviceId, pointId, fromTs, toTs, limit) as Array<{ device_id: string; point_id: string; ts: number; value_kind: number; value: StoredValue; quality: string; exception_code: number | null }>;
  return rows.map((row) => {
    const sample: StoredSample = { deviceId: row.device_id, pointId: row.point_id, ts: row.ts, value: decodeValue(row.value_kind, row.value), quality: row.quality as Quality };
    if (row.exception_code !== null) sample.exceptionCode = row.exception_code;
    return sample;
  });
}

function open(): Store {
  return Store.open({ path, historyRetentionDays: 30, maxPendingCycles: 100, statsRetentionDays: 365, diskBudgetBytes: 2 ** 31 }, { clock, logger: silentLogger() });
}

/** toStrictEqual, plus Object.is on every value (so -0, NaN and the double's bits are checked explicitly). */
function expectSame(actual: StoredSample[], expected: StoredSample[], label: string): void {
  expect(actual, label).toStrictEqual(expected);
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Object.is(actual[i]!.value, expected[i]!.value), `${label} #${i}: ${String(actual[i]!.value)} vs ${String(expected[i]!.value)}`).toBe(true);
}

const KINDS: Array<[string, SampleValue, Quality, number?]> = [
  ['f64', 1 / 3, 'good'],
  ['f32', Math.fround(0.1), 'good'],
  ['f32-big', Math.fround(3.4e38), 'good'],
  ['neg-zero', -0, 'good'],
  ['zero', 0, 'good'],
  ['nan', Number.NaN, 'good'],
  ['inf', Number.POSITIVE_INFINITY, 'good'],
  ['ninf', Number.NEGATIVE_INFINITY, 'good'],
  ['huge', 1e308, 'good'],
  ['max', Number.MAX_VALUE, 'good'],
  ['tiny', 5e-324, 'good'],
  ['int', 42, 'good'],
  ['safe', 2 ** 53 - 1, 'good'],
  ['neg', -0.5, 'good'],
  ['on', true, 'good'],
  ['off', false, 'good'],
  ['one-text', '1.0', 'good'],
  ['num-text', '12', 'good'],
  ['empty', '', 'good'],
  ['json-text', '{"point":"f64","value":1,"quality":"good","ts":0}', 'good'],
  ['quote-text', 'a "quoted" \\ back\nslash } ]', 'good'],
  ['unicode', '甲烷 ☢ \u0001', 'good'],
  ['null-text', 'null', 'good'],
  ['dead', null, 'timeout'],
  ['exc', null, 'exception', 2],
  ['exc-255', null, 'exception', 255],
  ['stale', 0.25, 'stale'],
];

describe('migration 4 (samples → history)', () => {
  it('reads back every kind of value exactly as the old store did', () => {
    const samples: OldSample[] = [];
    // Two devices, three cycles each; the second cycle of sm-1 has its two blocks at different ts.
    for (const deviceId of ['sm-1', 'sm-2']) {
      for (let c = 0; c < 3; c++) {
        KINDS.forEach(([pointId, value, quality, code], i) => {
          const ts = NOW - 10_000 + c * 1000 + (c === 1 && deviceId === 'sm-1' && i >= KINDS.length / 2 ? 7 : 0);
          samples.push({ deviceId, pointId, ts, value, quality, ...(code === undefined ? {} : { exceptionCode: code }) });
        });
      }
    }
    // A group whose only special value is -0, one with only a NaN.
    samples.push({ deviceId: 'sm-3', pointId: 'neg-zero', ts: NOW - 5_000, value: -0, quality: 'good' }, { deviceId: 'sm-3', pointId: 'f64', ts: NOW - 5_000, value: 0.5, quality: 'good' });
    samples.push({ deviceId: 'sm-3', pointId: 'f64', ts: NOW - 4_000, value: 0.25, quality: 'good' }, { deviceId: 'sm-3', pointId: 'nan', ts: NOW - 4_000, value: Number.NaN, quality: 'good' });
    // A point read twice at the same ts (ties keep their write order) and a sample far in the past.
    samples.push({ deviceId: 'sm-1', pointId: 'f64', ts: NOW - 10_000, value: 99, quality: 'good' });
    samples.push({ deviceId: 'sm-1', pointId: 'f64', ts: NOW - 40 * 86_400_000, value: 7, quality: 'good' });
    buildVersion3(samples);

    const before = new Database(path, { readonly: true });
    const expected = new Map<string, StoredSample[]>();
    for (const deviceId of ['sm-1', 'sm-2', 'sm-3']) {
      for (const [pointId] of KINDS) expected.set(`${deviceId}/${pointId}`, oldHistory(before, deviceId, pointId, 0, NOW + 1));
    }
    const limited = oldHistory(before, 'sm-1', 'f64', NOW - 10_000, NOW, 2);
    const window = oldHistory(before, 'sm-1', 'on', NOW - 9_000, NOW - 8_000);
    before.close();
    expect(expected.get('sm-1/f64')).toHaveLength(5);

    const store = open(); // runs migration 4
    for (const [key, want] of expected) {
      const [deviceId, pointId] = key.split('/') as [string, string];
      expectSame(store.history({ deviceId, pointId, fromTs: 0, toTs: NOW + 1 }), want, key);
    }
    expectSame(store.history({ deviceId: 'sm-1', pointId: 'f64', fromTs: NOW - 10_000, toTs: NOW, limit: 2 }), limited, 'limit 2');
    expect(limited.map((s) => s.value)).toEqual([1 / 3, 99]);
    expectSame(store.history({ deviceId: 'sm-1', pointId: 'on', fromTs: NOW - 9_000, toTs: NOW - 8_000 }), window, 'window');
    expect(window).toHaveLength(1);
    store.close();

    const db = new Database(path, { readonly: true });
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    const objects = db.prepare("SELECT type, name FROM sqlite_master WHERE name LIKE 'samples%' OR name LIKE 'history%' ORDER BY name").all();
    expect(objects).toEqual([
      { type: 'table', name: 'history' },
      { type: 'index', name: 'history_by_device_time' },
      { type: 'index', name: 'history_by_time' },
    ]);
    // One row per (device, ts): 2 devices × 3 cycles, one cycle in two ts, the old sample, sm-3's two.
    expect((db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n).toBe(10);
    expect(db.prepare("SELECT special FROM history WHERE device_id = 'sm-3' ORDER BY id").pluck().all()).toEqual(['{"0":"-0"}', '{"1":"NaN"}']);
    // Ids follow time.
    const ts = (db.prepare('SELECT ts FROM history ORDER BY id').all() as Array<{ ts: number }>).map((r) => r.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    const specials = db.prepare("SELECT special FROM history WHERE device_id = 'sm-2' ORDER BY id").pluck().all() as string[];
    expect(specials.map((s) => JSON.parse(s) as unknown)).toEqual(Array(3).fill({ 3: '-0', 5: 'NaN', 6: 'Infinity', 7: '-Infinity' }));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('keeps random doubles and float32 values bit for bit', () => {
    const view = new DataView(new ArrayBuffer(8));
    const samples: OldSample[] = [];
    let seed = 0x2545f491;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    for (let i = 0; i < 20_000; i++) {
      view.setUint32(0, next());
      view.setUint32(4, next());
      const value = i % 2 === 0 ? view.getFloat64(0) : view.getFloat32(0); // random bit patterns, NaNs and infinities included
      samples.push({ deviceId: 'rnd', pointId: `p${i % 100}`, ts: NOW - 100_000 + Math.floor(i / 100) * 100, value, quality: 'good' });
    }
    buildVersion3(samples);
    const before = new Database(path, { readonly: true });
    const expected = Array.from({ length: 100 }, (_, p) => oldHistory(before, 'rnd', `p${p}`, 0, NOW));
    before.close();
    const store = open();
    for (let p = 0; p < 100; p++) expectSame(store.history({ deviceId: 'rnd', pointId: `p${p}`, fromTs: 0, toTs: NOW }), expected[p]!, `p${p}`);
    store.close();
  });

  it('migrates an empty samples table', () => {
    buildVersion3([]);
    const store = open();
    expect(store.history({ deviceId: 'sm-1', pointId: 'ch4', fromTs: 0, toTs: NOW })).toEqual([]);
    store.close();
  });

  it('is one transaction: when it fails, the database stays at version 3 with its samples', () => {
    buildVersion3([{ deviceId: 'sm-1', pointId: 'ch4', ts: NOW, value: 0.5, quality: 'good' }]);
    const broken = [...MIGRATIONS.slice(0, 3), { ...MIGRATIONS[3]!, sql: `${MIGRATIONS[3]!.sql}\nSELECT no_such_function();` }];
    const db = new Database(path);
    expect(() => migrate(db, path, broken)).toThrow(/no_such_function/);
    expect(schemaVersion(db)).toBe(3);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'history'").all()).toEqual([]);
    expect(db.prepare('SELECT count(*) AS n FROM samples').pluck().get()).toBe(1);
    db.close();
    const store = open();
    expect(store.history({ deviceId: 'sm-1', pointId: 'ch4', fromTs: 0, toTs: NOW + 1 }).map((s) => s.value)).toEqual([0.5]);
    store.close();
  });
});
