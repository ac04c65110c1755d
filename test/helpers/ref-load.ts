/**
 * A ref-1k-like Modbus load for process-level tests: N devices, each on its own port of our fast
 * `ModbusTcpServer`, each serving M float32 holding registers (ABCD). Every value moves at every
 * read of the first block, so each poll cycle carries different values and a value that arrives
 * upstream wrong (or from another cycle) shows. Values are exact in float32 (sixteenths), so they
 * come back bit for bit.
 *
 * `refLoadConfig` writes the matching agent config (JSON, which is YAML) for the built CLI.
 */
import Database from 'better-sqlite3';
import { connect } from 'mqtt';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeHistoryRow } from '../../agent/store/history-codec.js';
import { startRefLoad as startBenchRefLoad, type RefLoad } from '../../bench/support/ref-load.js';

export interface RefLoadOptions {
  devices?: number;
  /** float32 values per device (2 holding registers each). */
  points?: number;
}

/** The load itself lives with the benchmarks (only bench/ is compiled for `node dist/bench/…`). */
export { movingFloat32Unit, type RefLoad } from '../../bench/support/ref-load.js';

export async function startRefLoad(options: RefLoadOptions = {}): Promise<RefLoad> {
  return startBenchRefLoad(options.devices ?? 10, options.points ?? 100);
}

export interface RefLoadConfigOptions {
  load: Pick<RefLoad, 'ports' | 'points'>;
  brokerUrl: string;
  storePath: string;
  pollIntervalMs?: number;
  gateway?: { mineId: string; gatewayId: string };
  /** Merged into the mqtt section. */
  mqtt?: Record<string, unknown>;
  /** Merged into the store section. */
  store?: Record<string, unknown>;
  httpPort?: number;
  logLevel?: string;
}

export const REF_GATEWAY = { mineId: 'mine-ref', gatewayId: 'gw-ref' };

/** Device id of the n-th device (0-based). */
export const refDeviceId = (index: number): string => `ref-${index + 1}`;

/** The agent config for a ref load, as text for a config file (JSON is YAML). */
export function refLoadConfig(options: RefLoadConfigOptions): string {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const config = {
    version: 1,
    gateway: options.gateway ?? REF_GATEWAY,
    logging: { level: options.logLevel ?? 'warn' },
    store: { path: options.storePath, ...options.store },
    mqtt: { url: options.brokerUrl, reconnectMinMs: 100, reconnectMaxMs: 1000, ...options.mqtt },
    http: { host: '127.0.0.1', port: options.httpPort ?? 0 },
    devices: options.load.ports.map((port, index) => ({
      id: refDeviceId(index),
      system: 'safety_monitoring',
      transport: 'modbus-tcp',
      host: '127.0.0.1',
      port,
      pollIntervalMs,
      timeoutMs: Math.max(200, Math.min(1000, pollIntervalMs * 2)),
      retries: 0,
      points: Array.from({ length: options.load.points }, (_, i) => ({ id: `v${i}`, table: 'holding', address: i * 2, type: 'float32' })),
    })),
  };
  return `${JSON.stringify(config, null, 1)}\n`;
}

// ---- what the platform received, held against what the store holds ----------------------------

/** One copy of a message as the subscriber received it. */
export interface ReceivedCopy {
  stream: string;
  seq: number;
  id: string;
  late: boolean;
  recordedAt: number;
  sentAt: number;
  /** Local receive time (Date.now()). */
  receivedAt: number;
  /** What must be identical between two copies of one id: stream, seq, recordedAt and body. */
  content: string;
  body: unknown;
}

interface TelemetryBody {
  device: string;
  samples: Array<{ point: string; ts: number; value: unknown; quality: string }>;
}

export const sampleKey = (device: string, point: string, ts: number): string => `${device}|${point}|${ts}`;

export interface Ledger {
  /** Every copy of every outbox-stream message (status excluded), in arrival order. */
  readonly copies: readonly ReceivedCopy[];
  /** Telemetry samples received: key → JSON of the value. */
  readonly samples: ReadonlyMap<string, string>;
  /** Ids received twice with different content, and seqs of one stream carried by two ids. */
  readonly conflicts: readonly string[];
  /** Messages that did not parse as an envelope. */
  readonly malformed: readonly string[];
  /** Status payloads (retained online/offline), in arrival order. */
  readonly status: readonly string[];
  /** Copies of `stream`, each id only once (its first copy), in arrival order. */
  firstCopies(stream: string): ReceivedCopy[];
  /** Seqs of `stream` received. */
  seqs(stream: string): Set<number>;
  ids(): Set<string>;
  close(): Promise<void>;
}

/**
 * A platform-side subscriber: MQTT 3.1.1 with a persistent session (clean: false, fixed client id),
 * QoS 1 on the gateway's whole topic tree, so a broker with persistence keeps its subscription and
 * queued messages across a restart. Checks on the fly that a repeated id repeats the same content
 * and that a seq is never carried by two ids.
 */
export async function startLedger(brokerUrl: string, gateway: { mineId: string; gatewayId: string }, clientId: string): Promise<Ledger> {
  const prefix = `shaftgate/v1/${gateway.mineId}/${gateway.gatewayId}/`;
  const copies: ReceivedCopy[] = [];
  const samples = new Map<string, string>();
  const contentById = new Map<string, string>();
  const idBySeq = new Map<string, string>();
  const conflicts: string[] = [];
  const malformed: string[] = [];
  const status: string[] = [];
  const client = connect(brokerUrl, { clientId, protocolVersion: 4, clean: false, reconnectPeriod: 50, connectTimeout: 2000 });
  client.on('error', () => {}); // reconnects on its own while the broker is away
  client.on('message', (topic, payload) => {
    if (!topic.startsWith(prefix)) return;
    const text = payload.toString('utf8');
    if (topic === `${prefix}status`) {
      status.push(text);
      return;
    }
    if (topic === `${prefix}commands`) return;
    let message: { stream: string; seq: number; id: string; late: boolean; recordedAt: number; sentAt: number; body: unknown };
    try {
      message = JSON.parse(text) as typeof message;
      if (typeof message.seq !== 'number' || typeof message.id !== 'string' || typeof message.late !== 'boolean') throw new Error('not an envelope');
    } catch {
      malformed.push(text.slice(0, 200));
      return;
    }
    const content = JSON.stringify({ stream: message.stream, seq: message.seq, recordedAt: message.recordedAt, body: message.body });
    const earlier = contentById.get(message.id);
    if (earlier !== undefined && earlier !== content) conflicts.push(`id ${message.id} came twice with different content`);
    contentById.set(message.id, content);
    const seqKey = `${message.stream}#${message.seq}`;
    const seqId = idBySeq.get(seqKey);
    if (seqId !== undefined && seqId !== message.id) conflicts.push(`${message.stream} seq ${message.seq} came with ids ${seqId} and ${message.id}`);
    idBySeq.set(seqKey, message.id);
    copies.push({ ...message, receivedAt: Date.now(), content, body: message.body });
    if (message.stream === 'telemetry') {
      const body = message.body as TelemetryBody;
      for (const s of body.samples) samples.set(sampleKey(body.device, s.point, s.ts), JSON.stringify(s.value));
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ledger subscriber could not connect to ${brokerUrl}`)), 5000);
    client.once('connect', () => {
      client.subscribe(`${prefix}#`, { qos: 1 }, (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
    });
  });
  return {
    copies,
    samples,
    conflicts,
    malformed,
    status,
    firstCopies: (stream) => {
      const seen = new Set<string>();
      return copies.filter((copy) => copy.stream === stream && !seen.has(copy.id) && seen.add(copy.id) !== undefined);
    },
    seqs: (stream) => new Set(copies.filter((copy) => copy.stream === stream).map((copy) => copy.seq)),
    ids: () => new Set(contentById.keys()),
    close: () => client.endAsync(true),
  };
}

/** Seqs in 1..max (max: the highest received, or the one given) that were not received. */
export function seqGaps(seqs: ReadonlySet<number>, max = Math.max(0, ...seqs)): number[] {
  const gaps: number[] = [];
  for (let seq = 1; seq <= max; seq++) if (!seqs.has(seq)) gaps.push(seq);
  return gaps;
}

/**
 * The fewest increasing runs the sequence can be split into (greedy patience sorting; equals the
 * longest strictly decreasing subsequence). 1: in order. 2: the contract's "live while the late
 * backlog is still coming", each part in order.
 */
export function increasingChains(seqs: readonly number[]): number {
  const tops: number[] = [];
  for (const seq of seqs) {
    // the pile with the largest top below seq
    let best = -1;
    for (let i = 0; i < tops.length; i++) if (tops[i]! < seq && (best === -1 || tops[i]! > tops[best]!)) best = i;
    if (best === -1) tops.push(seq);
    else tops[best] = seq;
  }
  return tops.length;
}

/** Positions where the sequence goes down (empty: strictly increasing). */
export function descents(seqs: readonly number[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < seqs.length; i++) if (seqs[i]! <= seqs[i - 1]!) out.push(`${seqs[i - 1]} then ${seqs[i]}`);
  return out;
}

// ---- reading the agent's store -----------------------------------------------------------------

export interface StoredRow {
  key: string;
  value: string;
}

export interface OutboxEntry {
  id: number;
  stream: string;
  seq: number;
  msgId: string;
  recordedAt: number;
  body: string;
}

export interface StoreSnapshot {
  integrity: string;
  /** Samples of the history rows with id > afterRowid, in the order they were written. */
  samples: StoredRow[];
  /** Id of the last history row read (one row per poll cycle since schema version 4). */
  lastRowid: number;
  sampleCount: number;
  outbox: OutboxEntry[];
  /** Sample keys inside the outbox's telemetry messages. */
  outboxSamples: Set<string>;
  evictions: Array<{ class: string; rows: number; unsent: number; samples: number }>;
  events: Array<{ kind: string; body: string }>;
  alarms: Array<{ alarmId: string; state: string; body: string }>;
  streamSeq: Map<string, number>;
}

/**
 * Reads the store. With `copy`, the database and its WAL are copied first and the copy is opened
 * (read-write, so SQLite recovers the WAL as the agent would): the original is left exactly as a
 * killed agent left it, for the agent's own next start to recover.
 */
export function readStore(dbPath: string, options: { copy?: boolean; afterRowid?: number } = {}): StoreSnapshot {
  let path = dbPath;
  let scratch: string | null = null;
  if (options.copy) {
    scratch = mkdtempSync(join(tmpdir(), 'shaftgate-storecopy-'));
    path = join(scratch, 'copy.db');
    copyFileSync(dbPath, path);
    if (existsSync(`${dbPath}-wal`)) copyFileSync(`${dbPath}-wal`, `${path}-wal`);
  }
  const db = new Database(path, { readonly: !options.copy });
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (schemaVersion < 2) {
      // Killed before the migrations committed: a store with nothing in it yet.
      return { integrity, samples: [], lastRowid: options.afterRowid ?? 0, sampleCount: 0, outbox: [], outboxSamples: new Set(), evictions: [], events: [], alarms: [], streamSeq: new Map() };
    }
    const { samples, lastRowid, sampleCount } = readHistory(db, schemaVersion, options.afterRowid ?? 0);
    const outbox = db
      .prepare('SELECT id, stream, seq, msg_id AS msgId, recorded_at AS recordedAt, body FROM outbox ORDER BY id')
      .all() as OutboxEntry[];
    const outboxSamples = new Set<string>();
    for (const row of outbox) {
      if (row.stream !== 'telemetry') continue;
      const body = JSON.parse(row.body) as TelemetryBody;
      for (const s of body.samples) outboxSamples.add(sampleKey(body.device, s.point, s.ts));
    }
    return {
      integrity,
      samples,
      lastRowid,
      sampleCount,
      outbox,
      outboxSamples,
      evictions: db.prepare('SELECT class, rows, unsent, samples FROM evictions').all() as StoreSnapshot['evictions'],
      events: db.prepare('SELECT kind, body FROM events ORDER BY id').all() as StoreSnapshot['events'],
      alarms: db.prepare('SELECT alarm_id AS alarmId, state, body FROM alarms ORDER BY id').all() as StoreSnapshot['alarms'],
      streamSeq: new Map((db.prepare('SELECT stream, last_seq AS s FROM stream_seq').all() as Array<{ stream: string; s: number }>).map((r) => [r.stream, r.s])),
    };
  } finally {
    db.close();
    if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Raw history after row `afterRowid`. Schema version 4 keeps one row per poll cycle (table history,
 * agent/store/history-codec.ts); a store killed before migration 4 committed still has the
 * per-sample table of versions 1–3 (empty on a fresh store, but read it as it was). Values are
 * compared as the JSON the platform receives (NaN → null, -0 → 0).
 */
function readHistory(db: Database.Database, schemaVersion: number, afterRowid: number): { samples: StoredRow[]; lastRowid: number; sampleCount: number } {
  if (schemaVersion < 4) {
    const rows = db
      .prepare('SELECT rowid AS r, device_id AS d, point_id AS p, ts, value FROM samples WHERE rowid > ? ORDER BY rowid')
      .all(afterRowid) as Array<{ r: number; d: string; p: string; ts: number; value: unknown }>;
    return {
      samples: rows.map((row) => ({ key: sampleKey(row.d, row.p, row.ts), value: JSON.stringify(row.value) })),
      lastRowid: rows.at(-1)?.r ?? afterRowid,
      sampleCount: (db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n,
    };
  }
  const rows = db
    .prepare('SELECT id, device_id AS d, body, special FROM history WHERE id > ? ORDER BY id')
    .all(afterRowid) as Array<{ id: number; d: string; body: string; special: string | null }>;
  const samples: StoredRow[] = [];
  for (const row of rows) {
    for (const s of decodeHistoryRow(row.body, row.special, row.id)) samples.push({ key: sampleKey(row.d, s.pointId, s.ts), value: JSON.stringify(s.value) });
  }
  return {
    samples,
    lastRowid: rows.at(-1)?.id ?? afterRowid,
    sampleCount: (db.prepare("SELECT coalesce(sum(json_array_length(body, '$.samples')), 0) AS n FROM history").get() as { n: number }).n,
  };
}

/** Stored samples neither received nor waiting in the outbox, and received ones whose value differs from the stored one. */
export function accountFor(stored: readonly StoredRow[], ledger: Pick<Ledger, 'samples'>, outboxSamples: ReadonlySet<string> = new Set()): { unaccounted: string[]; wrongValues: string[] } {
  const unaccounted: string[] = [];
  const wrongValues: string[] = [];
  for (const row of stored) {
    const received = ledger.samples.get(row.key);
    if (received === undefined) {
      if (!outboxSamples.has(row.key)) unaccounted.push(row.key);
    } else if (received !== row.value) {
      wrongValues.push(`${row.key}: stored ${row.value}, received ${received}`);
    }
  }
  return { unaccounted, wrongValues };
}
