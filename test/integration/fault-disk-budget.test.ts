/**
 * The disk budget is reached while the broker is down, under a ref-1k-like load polled at 10 Hz
 * (≈ 1.5 MB of history and outbox per second) with store.diskBudgetBytes = 4 MiB.
 *
 * The store already holds alarms and events from before (written through our Store, older than
 * any telemetry), so a purely oldest-first eviction would take them first: the policy must not.
 *
 * Proves:
 * - while the broker is down, the database's used pages stay within the budget plus what one
 *   second of writes adds between two budget checks (BUDGET_CHECK_INTERVAL_MS), the main file
 *   does not grow past that, and the WAL stays within the documented 64 MiB allowance;
 * - eviction takes telemetry, oldest first: the telemetry seqs that never arrive are exactly a
 *   run from seq 1, and every one of them is inside a reported store_eviction range;
 * - the seeded alarms and events survive, in the store and upstream (in seq order); class
 *   `events` is never evicted;
 * - the counts are reported upstream once the broker is back: store_eviction events whose summed
 *   unsentMessages/unsentSamples match the store's own totals (table evictions), and whose
 *   running totals match too; history samples never received are no more than the reported
 *   unsent samples; every sample received carries its stored value.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { Store } from '../../agent/store/store.js';
import { storeSchema } from '../../config/schema.js';
import { runCli, tempDir, waitFor, writeTempFile, type AgentProcess } from '../helpers/agent-process.js';
import { freePort } from '../helpers/free-port.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { accountFor, descents, readStore, refLoadConfig, REF_GATEWAY, seqGaps, startLedger, startRefLoad } from '../helpers/ref-load.js';

const POLL_MS = 100;
const DEVICES = 10;
const BUDGET = 4 * 1024 * 1024;
const WAL_ALLOWANCE = 64 * 1024 * 1024;
const OUTAGE_MS = 8000;
const SEEDED = 5;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface EvictionBody {
  kind: string;
  class: string;
  rows: number;
  unsentMessages: number;
  unsentSamples: number;
  firstSeq: number | null;
  lastSeq: number | null;
  totals: Record<string, { rows: number; unsent: number; samples: number }>;
  usedBytes: number;
  budgetBytes: number;
}

interface Health {
  disk: { usedBytes: number; budgetBytes: number; evictions: Record<string, { rows: number; unsent: number; samples: number }> } | null;
  uplink: { connected: boolean; drainingBacklog: boolean } | null;
}

it('evicts telemetry oldest first within the budget during an outage, keeps alarms and events, and reports the counts upstream', async () => {
  const dir = tempDir('disk-budget');
  const dbPath = join(dir, 'store.db');

  // Alarms and events recorded before any telemetry.
  const storeConfig = storeSchema.parse({ path: dbPath, diskBudgetBytes: BUDGET });
  const seed = Store.open(storeConfig, { clock: systemClock, logger: silentLogger() });
  for (let i = 1; i <= SEEDED; i++) {
    seed.appendAlarm(`seeded-alarm-${i}`, 'raised', { note: `alarm ${i} from before the outage` });
    seed.appendEvent('seeded_event', { n: i });
  }
  seed.close();

  const broker = await startMosquitto({ extraConfig: ['persistence true', `persistence_location ${dir}/`, 'autosave_interval 0'] });
  cleanups.push(() => broker.stop());
  const ledger = await startLedger(broker.url, REF_GATEWAY, `budget-platform-${process.pid}`);
  cleanups.push(() => ledger.close());
  await broker.kill(); // the broker is down before the agent starts; the subscriber's session stays

  const load = await startRefLoad({ devices: DEVICES, points: 100 });
  cleanups.push(() => load.stop());
  const httpPort = await freePort();
  const configFile = writeTempFile(
    dir,
    'agent.yaml',
    refLoadConfig({
      load,
      brokerUrl: broker.url,
      storePath: dbPath,
      pollIntervalMs: POLL_MS,
      httpPort,
      store: { diskBudgetBytes: BUDGET },
      mqtt: { inflightWindow: 64, lateAfterMs: 1000, backlogRatePerSecond: 2000 },
    }),
  );
  const agent: AgentProcess = runCli(['run', '--config', configFile]);
  cleanups.push(async () => {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
  });
  const fail = (error: Error): never => {
    throw new Error(`${error.message}\n--- agent ---\n${agent.output().slice(-4000)}`);
  };

  // ---- the outage: sample the agent's own disk report and the files ----
  const health = async (): Promise<Health | null> => {
    try {
      return (await (await fetch(`http://127.0.0.1:${httpPort}/health`)).json()) as Health;
    } catch {
      return null;
    }
  };
  await waitFor('the agent to answer on /health', health, 10_000).catch(fail);
  const started = Date.now();
  let maxUsed = 0;
  let maxMain = 0;
  let maxWal = 0;
  let reports = 0;
  while (Date.now() - started < OUTAGE_MS) {
    const report = await health();
    if (report?.disk) {
      reports += 1;
      maxUsed = Math.max(maxUsed, report.disk.usedBytes);
      expect(report.disk.budgetBytes).toBe(BUDGET);
    }
    maxMain = Math.max(maxMain, statSync(dbPath).size);
    if (existsSync(`${dbPath}-wal`)) maxWal = Math.max(maxWal, statSync(`${dbPath}-wal`).size);
    await sleep(100);
  }
  const during = await health();
  expect(during?.disk?.evictions.telemetry?.unsent ?? 0, 'the budget should have been reached during the outage').toBeGreaterThan(0);
  expect(reports).toBeGreaterThan(10);
  // One second of writes at this load (budget checks are at most 1 s apart): 10 devices × 10 Hz × 100 samples.
  const oneSecondOfWrites = DEVICES * (1000 / POLL_MS) * 100 * 160;
  expect(maxUsed, `used ${maxUsed} bytes at most, budget ${BUDGET}`).toBeLessThanOrEqual(BUDGET + oneSecondOfWrites);
  expect(maxMain, `main file ${maxMain} bytes at most`).toBeLessThanOrEqual(BUDGET + oneSecondOfWrites);
  expect(maxWal, `WAL ${maxWal} bytes at most`).toBeLessThanOrEqual(WAL_ALLOWANCE);

  // ---- the broker is back: everything left is delivered, with the eviction reports ----
  await broker.restart();
  const reconnectedAt = Date.now();
  const seededAlarms = () => ledger.firstCopies('alarms').filter((c) => JSON.stringify(c.body).includes('seeded-alarm-')).length;
  // Drained when the agent itself says its backlog lanes are empty (on a loaded machine live messages
  // can also come out flagged late, so "no late copy for a while" is not a reliable signal).
  // Whether any outage telemetry is left to send late depends on how much the budget had to evict
  // (all of it, on a slow run): either way, what never arrives must be exactly what was reported.
  await waitFor('the backlog and the reports to arrive', async () => {
    if (seededAlarms() !== SEEDED || Date.now() - reconnectedAt < 2000) return false;
    const report = await health();
    return report?.uplink?.connected === true && !report.uplink.drainingBacklog;
  }, 40_000).catch(fail);
  await sleep(500); // the last acknowledged copies reach the subscriber
  agent.child.kill('SIGTERM');
  expect(await agent.exited, agent.output().slice(-3000)).toBe(0);

  const store = readStore(dbPath);
  expect(store.integrity).toBe('ok');
  const totals = new Map(store.evictions.map((row) => [row.class, row]));
  const telemetryTotals = totals.get('telemetry');
  expect(telemetryTotals?.unsent ?? 0).toBeGreaterThan(0);
  expect(totals.get('events')?.rows ?? 0, 'class events must not be evicted while telemetry is there').toBe(0);

  // Alarms and events survived, in the store and upstream, in seq order.
  expect(store.alarms.filter((a) => a.alarmId.startsWith('seeded-alarm-')).length).toBe(SEEDED);
  expect(store.events.filter((e) => e.kind === 'seeded_event').length).toBe(SEEDED);
  const events = ledger.firstCopies('events');
  expect(events.filter((c) => (c.body as { kind: string }).kind === 'seeded_event').length).toBe(SEEDED);
  expect(descents(events.map((c) => c.seq)), 'events in seq order').toEqual([]);
  expect(descents(ledger.firstCopies('alarms').map((c) => c.seq)), 'alarms in seq order').toEqual([]);
  expect(seqGaps(ledger.seqs('events'), store.streamSeq.get('events')), 'events never lost').toEqual([]);
  expect(seqGaps(ledger.seqs('alarms'), store.streamSeq.get('alarms')), 'alarms never lost').toEqual([]);

  // The reports: every store_eviction event arrived; their sums are the store's totals.
  const reportsUp = events.map((c) => c.body as EvictionBody).filter((b) => b.kind === 'store_eviction');
  const telemetryReports = reportsUp.filter((b) => b.class === 'telemetry');
  expect(telemetryReports.length).toBeGreaterThan(0);
  expect(reportsUp.every((b) => b.class !== 'events')).toBe(true);
  expect(telemetryReports.reduce((n, b) => n + b.unsentMessages, 0)).toBe(telemetryTotals!.unsent);
  expect(telemetryReports.reduce((n, b) => n + b.unsentSamples, 0)).toBe(telemetryTotals!.samples);
  expect(telemetryReports.reduce((n, b) => n + b.rows, 0)).toBe(telemetryTotals!.rows);
  expect(reportsUp.at(-1)!.totals.telemetry).toEqual({ rows: telemetryTotals!.rows, unsent: telemetryTotals!.unsent, samples: telemetryTotals!.samples });

  // Oldest first: what never arrived is a run from seq 1, and all of it was reported.
  const lastSeq = store.streamSeq.get('telemetry') ?? 0;
  const tail = new Set(store.outbox.filter((r) => r.stream === 'telemetry').map((r) => r.seq));
  const missing = seqGaps(ledger.seqs('telemetry'), lastSeq).filter((seq) => !tail.has(seq));
  expect(missing.length).toBeGreaterThan(0);
  expect(missing[0]).toBe(1);
  // Oldest first: the evicted seqs are one run from 1, except for messages that were already on the
  // wire (in flight, not yet acknowledged) when the budget evicted their rows: those still arrive,
  // though the eviction report counts them as unsent — at most one in-flight window (64) of them.
  // KNOWN IMPRECISION, see the closing note: the report over-states the loss by those messages.
  const receivedInsideRun = missing.at(-1)! - missing[0]! + 1 - missing.length;
  expect(receivedInsideRun, 'messages arriving from inside the evicted run (in flight at eviction)').toBeLessThanOrEqual(64);
  const reported = (seq: number) => telemetryReports.some((b) => b.firstSeq !== null && b.lastSeq !== null && seq >= b.firstSeq && seq <= b.lastSeq);
  expect(missing.filter((seq) => !reported(seq)), 'telemetry seqs lost without a report').toEqual([]);
  expect(missing.length).toBeLessThanOrEqual(telemetryTotals!.unsent);

  // History kept on the gateway: received with the stored value, or among the reported losses.
  const { unaccounted, wrongValues } = accountFor(store.samples, ledger, store.outboxSamples);
  expect(wrongValues).toEqual([]);
  expect(unaccounted.length).toBeLessThanOrEqual(telemetryTotals!.samples);
  expect(ledger.conflicts).toEqual([]);

  console.info(
    `disk budget ${BUDGET} B: used ≤ ${maxUsed} B, main file ≤ ${maxMain} B, WAL ≤ ${maxWal} B during an ${OUTAGE_MS} ms outage; ` +
      `evicted ${JSON.stringify(Object.fromEntries(totals))}; ${telemetryReports.length} telemetry eviction reports received; ` +
      `${missing.length} telemetry messages lost (seq 1–${missing.at(-1)}), ${ledger.firstCopies('telemetry').length} received`,
  );
}, 60_000);
