/**
 * `kill -9` of the agent at random (seeded) moments, 20 times, under a ref-1k-like load polled at
 * 10 Hz, restarted each time on the same store, against a real Mosquitto.
 *
 * After each kill, on a copy of the store as the dead process left it (the original is left for
 * the next start to recover): `PRAGMA integrity_check` is ok, and every sample the store had
 * committed to history was either received by the platform-side subscriber (with the same value)
 * or is still in the outbox. At the end (one clean run drains the outbox): everything in history
 * was received, the telemetry seqs have no gap up to the store's last seq, and every repeated id
 * repeated the same content.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli, tempDir, waitFor, writeTempFile, type AgentProcess } from '../helpers/agent-process.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { accountFor, readStore, refLoadConfig, REF_GATEWAY, seqGaps, startLedger, startRefLoad } from '../helpers/ref-load.js';

const KILLS = 20;
const SEED = 0x5eed_0009;
const POLL_MS = 100;

/** mulberry32: a small seeded PRNG, so a failing sequence of kill moments can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function startAgent(configFile: string): AgentProcess {
  const agent = runCli(['run', '--config', configFile]);
  cleanups.push(async () => {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
  });
  return agent;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it(`loses nothing committed across ${KILLS} kill -9 at random moments under load (seed ${SEED.toString(16)})`, async () => {
  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const load = await startRefLoad({ devices: 10, points: 100 });
  cleanups.push(() => load.stop());
  const ledger = await startLedger(broker.url, REF_GATEWAY, `kill9-platform-${process.pid}`);
  cleanups.push(() => ledger.close());

  const dir = tempDir('kill9');
  const dbPath = join(dir, 'store.db');
  const configFile = writeTempFile(
    dir,
    'agent.yaml',
    refLoadConfig({ load, brokerUrl: broker.url, storePath: dbPath, pollIntervalMs: POLL_MS, logLevel: 'info', mqtt: { inflightWindow: 64, lateAfterMs: 1000, backlogRatePerSecond: 2000 } }),
  );

  const random = prng(SEED);
  /** Stored samples not yet seen upstream: key → stored value (JSON). */
  const pending = new Map<string, string>();
  let lastRowid = 0;
  let killsWithNewData = 0;
  let killsWithOutbox = 0;
  const log: string[] = [];

  for (let kill = 1; kill <= KILLS; kill++) {
    // One kill in five lands anywhere from the spawn on (start-up, WAL recovery, migrations);
    // the rest while the agent runs: 0–500 ms after it said it started.
    const duringStartup = random() < 0.2;
    const delayMs = Math.floor(random() * 500);
    const spawned = Date.now();
    const agent = startAgent(configFile);
    if (duringStartup) await sleep(100 + delayMs);
    else {
      await waitFor(`run ${kill} to start`, () => agent.output().includes('shaftgate agent started'), 5000).catch((error: Error) => {
        throw new Error(`${error.message}\n${agent.output()}`);
      });
      await sleep(delayMs);
    }
    const runMs = Date.now() - spawned;
    expect(agent.child.exitCode, `the agent exited on its own before kill ${kill}:\n${agent.output()}`).toBeNull();
    agent.child.kill('SIGKILL');
    expect(await agent.exited).toBe('SIGKILL');
    if (!existsSync(dbPath)) {
      log.push(`kill ${kill} at ${runMs} ms: before the store was created`);
      continue;
    }

    const snapshot = readStore(dbPath, { copy: true, afterRowid: lastRowid });
    expect(snapshot.integrity, `integrity_check after kill ${kill}`).toBe('ok');
    lastRowid = snapshot.lastRowid;
    for (const row of snapshot.samples) {
      expect(pending.has(row.key), `sample ${row.key} stored twice`).toBe(false);
      pending.set(row.key, row.value);
    }
    if (snapshot.samples.length > 0) killsWithNewData += 1;
    if (snapshot.outbox.length > 0) killsWithOutbox += 1;
    // The broker may still be delivering what it acknowledged before the kill: give it a moment.
    const unaccounted = () => [...pending.keys()].filter((key) => !ledger.samples.has(key) && !snapshot.outboxSamples.has(key));
    await waitFor(`kill ${kill}: every stored sample received or in the outbox`, () => unaccounted().length === 0, 3000).catch(() => {
      throw new Error(`after kill ${kill} (at ${runMs} ms), ${unaccounted().length} committed sample(s) are neither received nor in the outbox, e.g. ${unaccounted().slice(0, 3).join(', ')}\n${agent.output().slice(-3000)}`);
    });
    const stored = [...pending].map(([key, value]) => ({ key, value }));
    expect(accountFor(stored, ledger, snapshot.outboxSamples).wrongValues, `values received differently from the store (kill ${kill})`).toEqual([]);
    for (const key of [...pending.keys()]) if (ledger.samples.has(key)) pending.delete(key);
    const telemetrySeq = snapshot.streamSeq.get('telemetry') ?? 0;
    expect(Math.max(0, ...ledger.seqs('telemetry')), 'a seq was received that the store never gave out').toBeLessThanOrEqual(telemetrySeq);
    log.push(`kill ${kill} at ${runMs} ms${duringStartup ? ' (start-up)' : ''}: +${snapshot.samples.length} samples, outbox ${snapshot.outbox.length} (${[...new Set(snapshot.outbox.map((r) => r.stream))].join(',')}), last seq ${telemetrySeq}, received ${ledger.samples.size}`);
  }

  // The kills must have hit a running, writing, forwarding agent, not only its start-up.
  expect(killsWithNewData, log.join('\n')).toBeGreaterThanOrEqual(KILLS / 2);
  expect(killsWithOutbox, `kills that left messages in the outbox\n${log.join('\n')}`).toBeGreaterThanOrEqual(3);

  // A last, clean run drains the outbox.
  const last = startAgent(configFile);
  await waitFor('the last run to start', () => last.output().includes('shaftgate agent started'), 5000);
  await waitFor('the last run to forward everything the killed runs stored', () => [...pending.keys()].every((key) => ledger.samples.has(key)), 20_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${last.output().slice(-3000)}`);
  });
  await sleep(500);
  last.child.kill('SIGTERM');
  expect(await last.exited, last.output().slice(-3000)).toBe(0);

  // After a clean stop only the last cycles, written at the stop and never published, may wait.
  const final = readStore(dbPath);
  expect(final.integrity).toBe('ok');
  const telemetrySeq = final.streamSeq.get('telemetry') ?? 0;
  const tail = final.outbox.filter((r) => r.stream === 'telemetry');
  expect(tail.length, 'telemetry left in the outbox after the clean stop').toBeLessThanOrEqual(3 * 10 * (1000 / POLL_MS));
  const everything = readStore(dbPath).samples;
  const check = () => accountFor(everything, ledger, final.outboxSamples);
  await waitFor('the broker to deliver what it acknowledged', () => check().unaccounted.length === 0, 3000).catch(() => {});
  const { unaccounted, wrongValues } = check();
  expect(unaccounted, 'stored samples never received').toEqual([]);
  expect(wrongValues).toEqual([]);
  const stillQueued = new Set(tail.map((r) => r.seq));
  expect(seqGaps(ledger.seqs('telemetry'), telemetrySeq).filter((seq) => !stillQueued.has(seq)), 'telemetry seqs never received').toEqual([]);
  expect(ledger.conflicts).toEqual([]);
  expect(ledger.malformed).toEqual([]);
  expect(everything.length, log.join('\n')).toBeGreaterThan(20_000);
  console.info(`kill -9 ×${KILLS} (seed ${SEED.toString(16)}): ${everything.length} samples stored, ${ledger.copies.length} telemetry copies received for ${telemetrySeq} seqs\n${log.join('\n')}`);
}, 60_000);
