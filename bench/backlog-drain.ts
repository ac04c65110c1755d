/**
 * Backlog drain: a backlog of one million samples (10 000 outbox telemetry messages × 100 samples,
 * written through our Store, recorded an hour ago so all of it is late) drained by our Forwarder
 * to a real Mosquitto — messages/s and samples/s until the outbox is empty (every row acknowledged
 * and deleted) — vs a bare mqtt.js QoS 1 publish loop of the same payloads (the same rows read
 * page by page from a copy of the same database, the same envelope, the same in-flight window) to
 * the same broker, in one run. backlogRatePerSecond is set far above what either reaches, so
 * nothing is paced. RSS of this process is sampled every 20 ms during each drain (avg and peak);
 * the backlog is built in a child process, so that RSS is the drain's.
 *
 * Needs the Debian package mosquitto (/usr/sbin/mosquitto); it is started on a free loopback port.
 *
 *     npm run build && node dist/bench/backlog-drain.js [--rounds 3] [--messages 10000] [--window 64]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { connect } from 'mqtt';
import { systemClock } from '../agent/model/clock.js';
import type { PollCycle } from '../agent/model/sample.js';
import { silentLogger } from '../agent/runtime/logger.js';
import { Store } from '../agent/store/store.js';
import { EnvelopeBuilder } from '../agent/upstream/envelope.js';
import { Forwarder } from '../agent/upstream/forwarder.js';
import type { OutboxRow } from '../agent/upstream/outbox-source.js';
import { topicFor } from '../agent/upstream/topics.js';
import { mqttSchema, storeSchema } from '../config/schema.js';
import { median } from './fast-unit.js';

const MOSQUITTO = '/usr/sbin/mosquitto';
const POINTS = 100;
const DEVICES = 10;
const GATEWAY = { mineId: 'mine-bench', gatewayId: 'gw-bench' };

const { values: args } = parseArgs({ options: { rounds: { type: 'string' }, messages: { type: 'string' }, window: { type: 'string' }, 'build-only': { type: 'string' } } });
const rounds = Number(args.rounds ?? 3);
const messages = Number(args.messages ?? 10_000);
const window = Number(args.window ?? 64);

// ---- a tiny Mosquitto starter (the test helper is not part of the build) ------------------------

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function startMosquitto(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} not found: install the Debian package mosquitto`);
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_inflight_messages 0', 'log_dest none', ...(process.getuid?.() === 0 ? ['user root'] : [])];
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', config], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

// ---- RSS sampling ------------------------------------------------------------------------------

function sampleRss(): () => { startMb: number; avgMb: number; peakMb: number } {
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(process.memoryUsage.rss()), 20);
  samples.push(process.memoryUsage.rss());
  return () => {
    clearInterval(timer);
    samples.push(process.memoryUsage.rss());
    const mb = (bytes: number) => bytes / 1024 / 1024;
    return { startMb: mb(samples[0]!), avgMb: mb(samples.reduce((a, b) => a + b, 0) / samples.length), peakMb: mb(Math.max(...samples)) };
  };
}

interface DrainResult {
  seconds: number;
  messages: number;
  rss: { startMb: number; avgMb: number; peakMb: number };
}

// ---- the backlog -------------------------------------------------------------------------------

function buildBacklog(path: string): void {
  const store = Store.open(storeSchema.parse({ path }), { clock: systemClock, logger: silentLogger() });
  const start = Date.now() - 3_600_000;
  const batch: PollCycle[] = [];
  for (let c = 0; c < messages; c++) {
    const device = `ref-${(c % DEVICES) + 1}`;
    const ts = start + Math.floor(c / DEVICES) * 100 + (c % DEVICES);
    batch.push({
      deviceId: device,
      startedAt: ts - 3,
      finishedAt: ts,
      samples: Array.from({ length: POINTS }, (_, i) => ({ deviceId: device, pointId: `v${i}`, value: Math.fround(i + (c % 4096) / 16 + 0.1), quality: 'good' as const, ts, mono: 0 })),
    });
    if (batch.length === 100) store.recordCycles(batch.splice(0));
  }
  store.recordCycles(batch);
  store.close();
  // Opening closes the statistics of the (long silent) devices: do it once here, so every round
  // starts from the same outbox.
  Store.open(storeSchema.parse({ path }), { clock: systemClock, logger: silentLogger() }).close();
}

function buildInChild(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [process.argv[1]!, '--build-only', path, '--messages', String(messages)], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the backlog failed (exit ${code})`))));
  });
}

function countOutbox(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Our Forwarder on the Store, until the outbox is empty (all acknowledged and deleted). */
async function drainOurs(path: string, url: string): Promise<DrainResult> {
  const store = Store.open(storeSchema.parse({ path }), { clock: systemClock, logger: silentLogger() });
  const outboxRows = store.stats().rows;
  const mqtt = mqttSchema.parse({ url, clientId: 'bench-ours', inflightWindow: window, backlogRatePerSecond: 100_000 });
  const forwarder = new Forwarder({ mqtt, gateway: GATEWAY, outbox: store, clock: systemClock, logger: silentLogger() });
  const rss = sampleRss();
  const started = performance.now();
  forwarder.start();
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (store.stats().rows === 0) {
        clearInterval(check);
        resolve();
      }
    }, 5);
  });
  const seconds = (performance.now() - started) / 1000;
  const memory = rss();
  const acked = forwarder.stats().acked;
  await forwarder.stop(2000);
  store.close();
  if (acked < outboxRows) throw new Error(`ours: the outbox emptied after only ${acked} of ${outboxRows} acknowledgements`);
  return { seconds, messages: outboxRows, rss: memory };
}

/** A bare mqtt.js QoS 1 loop: the same rows, the same envelope, at most `window` in flight; nothing deleted. */
async function drainBare(path: string, url: string): Promise<DrainResult> {
  const db = new Database(path, { readonly: true });
  const page = db.prepare('SELECT id, stream, seq, msg_id AS msgId, recorded_at AS recordedAt, body FROM outbox WHERE id > ? ORDER BY id LIMIT 256');
  const envelopes = new EnvelopeBuilder(GATEWAY, 10_000);
  const topic = topicFor({ topicPrefix: 'shaftgate/v1', ...GATEWAY }, 'telemetry');
  // The clock starts before connecting, as for ours (whose time includes the Forwarder's connection).
  const rss = sampleRss();
  const started = performance.now();
  const client = connect(url, { clientId: 'bench-bare', protocolVersion: 5, clean: true, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    let rows: OutboxRow[] = [];
    let next = 0;
    let cursor = 0;
    let inflight = 0;
    let done = false;
    const pump = () => {
      while (inflight < window) {
        if (next === rows.length) {
          rows = page.all(cursor) as OutboxRow[];
          next = 0;
          if (rows.length === 0) {
            done = true;
            if (inflight === 0) resolve();
            return;
          }
          cursor = rows[rows.length - 1]!.id;
        }
        const row = rows[next++]!;
        inflight += 1;
        client.publish(topic, envelopes.build(row, Date.now()), { qos: 1 }, (error) => {
          if (error) return reject(error);
          inflight -= 1;
          sent += 1;
          if (done && inflight === 0) resolve();
          else if (!done) pump();
        });
      }
    };
    pump();
  });
  const seconds = (performance.now() - started) / 1000;
  const memory = rss();
  await client.endAsync();
  db.close();
  return { seconds, messages: sent, rss: memory };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shaftgate-bench-drain-'));
  const broker = await startMosquitto(dir);
  try {
    const source = join(dir, 'backlog.db');
    const built = performance.now();
    // Built in a child process, so this one's RSS is the drain's, not the million samples' we wrote.
    await buildInChild(source);
    const outboxRows = countOutbox(source);
    console.log(
      `backlog drain: ${messages.toLocaleString('en-US')} telemetry messages × ${POINTS} samples = ${(messages * POINTS).toLocaleString('en-US')} samples ` +
        `(built through the Store in ${((performance.now() - built) / 1000).toFixed(1)} s; the outbox holds ${outboxRows} messages with the 5-minute statistics), in-flight window ${window}, ${rounds} rounds, Mosquitto ${broker.url}`,
    );
    const results: Record<'ours' | 'bare', DrainResult[]> = { ours: [], bare: [] };
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
      for (const which of order) {
        const copy = join(dir, `round-${round}-${which}.db`);
        copyFileSync(source, copy);
        global.gc?.();
        const result = which === 'ours' ? await drainOurs(copy, broker.url) : await drainBare(copy, broker.url);
        rmSync(copy, { force: true });
        rmSync(`${copy}-wal`, { force: true });
        rmSync(`${copy}-shm`, { force: true });
        if (result.messages !== outboxRows) throw new Error(`${which}: ${result.messages} messages drained, expected ${outboxRows}`);
        results[which].push(result);
        console.log(`round ${round} ${which.padEnd(4)}: ${line(result)}`);
      }
    }
    const summary = (list: DrainResult[]) => ({
      msgs: median(list.map((r) => r.messages / r.seconds)),
      avg: median(list.map((r) => r.rss.avgMb)),
      peak: Math.max(...list.map((r) => r.rss.peakMb)),
    });
    const o = summary(results.ours);
    const b = summary(results.bare);
    console.log(`median ours (Forwarder + Store, rows deleted on PUBACK): ${fmt(o.msgs)} messages/s, ${fmt(o.msgs * POINTS)} samples/s; RSS avg ${o.avg.toFixed(0)} MB, peak ${o.peak.toFixed(0)} MB`);
    console.log(`median bare (mqtt.js QoS 1 loop, nothing deleted):      ${fmt(b.msgs)} messages/s, ${fmt(b.msgs * POINTS)} samples/s; RSS avg ${b.avg.toFixed(0)} MB, peak ${b.peak.toFixed(0)} MB`);
    console.log(`ratio ours/bare ${(o.msgs / b.msgs).toFixed(2)}; 1 M samples drained by ours in ${(messages / o.msgs).toFixed(1)} s`);
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function line(r: DrainResult): string {
  const rate = r.messages / r.seconds;
  return `${r.seconds.toFixed(2)} s, ${fmt(rate)} messages/s, ${fmt(rate * POINTS)} samples/s, RSS at start ${r.rss.startMb.toFixed(0)} MB, avg ${r.rss.avgMb.toFixed(0)} MB, peak ${r.rss.peakMb.toFixed(0)} MB`;
}

function fmt(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}

if (args['build-only'] !== undefined) buildBacklog(args['build-only']);
else await main();
