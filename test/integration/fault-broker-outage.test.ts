/**
 * The broker stops for a while under a ref-1k-like load (10 devices × 100 float32, polled at 4 Hz
 * to make it denser) and starts again on the same port; the agent process keeps polling and
 * storing throughout.
 *
 * The broker runs with persistence and the platform-side subscriber has a persistent session
 * (a platform that wants every message needs both): what the broker acknowledged before it went
 * down is still delivered after it comes back, so a missing sample can only be the agent's fault.
 *
 * Proves, against the store's history after a clean stop:
 * - every sample in history was received, with the stored value (only the last cycles written at
 *   the clean stop may still wait in the outbox), and telemetry seqs have no gap;
 * - a repeated message repeats its id, seq, recordedAt and body;
 * - the send order of docs/mqtt-contract.md after an outage: live data first (not held behind the
 *   backlog), the backlog oldest first and paced at backlogRatePerSecond; on-time copies in seq
 *   order, late copies in seq order;
 * - `late` is set exactly when sentAt − recordedAt > lateAfterMs, and every message recorded during
 *   the outage (more than lateAfterMs before the reconnection) arrives flagged late.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli, tempDir, waitFor, writeTempFile, type AgentProcess } from '../helpers/agent-process.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { accountFor, descents, increasingChains, readStore, refLoadConfig, REF_GATEWAY, seqGaps, startLedger, startRefLoad } from '../helpers/ref-load.js';

const POLL_MS = 250;
const DEVICES = 10;
const LATE_AFTER_MS = 1000;
const BACKLOG_RATE = 60;
const BEFORE_MS = 3000;
const OUTAGE_MS = 7000;

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

it('delivers every stored sample after a broker outage: live first, backlog late and paced, in seq order per part', async () => {
  const dir = tempDir('broker-outage');
  const broker = await startMosquitto({ extraConfig: ['persistence true', `persistence_location ${dir}/`, 'autosave_interval 0'] });
  cleanups.push(() => broker.stop());
  const load = await startRefLoad({ devices: DEVICES, points: 100 });
  cleanups.push(() => load.stop());
  const ledger = await startLedger(broker.url, REF_GATEWAY, `outage-platform-${process.pid}`);
  cleanups.push(() => ledger.close());

  const dbPath = join(dir, 'store.db');
  const configFile = writeTempFile(
    dir,
    'agent.yaml',
    refLoadConfig({ load, brokerUrl: broker.url, storePath: dbPath, pollIntervalMs: POLL_MS, mqtt: { inflightWindow: 64, lateAfterMs: LATE_AFTER_MS, backlogRatePerSecond: BACKLOG_RATE } }),
  );
  const agent = startAgent(configFile);
  const fail = (error: Error): never => {
    throw new Error(`${error.message}\n--- agent ---\n${agent.output().slice(-4000)}\n--- broker ---\n${broker.log().slice(-2000)}`);
  };
  await waitFor('telemetry before the outage', () => ledger.firstCopies('telemetry').length >= DEVICES, 10_000).catch(fail);
  await sleep(BEFORE_MS);

  const outageStart = Date.now();
  await broker.kill();
  await sleep(OUTAGE_MS);
  await broker.restart();
  const restartedAt = Date.now();
  const preOutage = ledger.firstCopies('telemetry').filter((copy) => copy.receivedAt < outageStart).length;

  // Backlog: ~OUTAGE_MS × 40 cycles/s rows at BACKLOG_RATE/s. Wait until every seq up to what the
  // agent had stored when we look has arrived, then stop the agent cleanly.
  await waitFor('the backlog to be delivered', () => {
    const late = ledger.firstCopies('telemetry').filter((copy) => copy.late);
    return late.length > 0 && seqGaps(ledger.seqs('telemetry')).length === 0 && Date.now() - late.at(-1)!.receivedAt > 1000;
  }, 30_000).catch(fail);
  agent.child.kill('SIGTERM');
  expect(await agent.exited, agent.output().slice(-3000)).toBe(0);

  const store = readStore(dbPath);
  expect(store.integrity).toBe('ok');
  const tail = store.outbox.filter((row) => row.stream === 'telemetry');
  expect(tail.length, 'telemetry left in the outbox after the clean stop').toBeLessThanOrEqual(3 * DEVICES);
  const check = () => accountFor(store.samples, ledger, store.outboxSamples);
  await waitFor('in-flight deliveries', () => check().unaccounted.length === 0, 3000).catch(() => {});
  const { unaccounted, wrongValues } = check();
  expect(store.samples.length).toBeGreaterThan(((BEFORE_MS + OUTAGE_MS) / POLL_MS) * DEVICES * 100 * 0.8);
  expect(unaccounted, 'stored samples never received').toEqual([]);
  expect(wrongValues, 'samples received with another value than stored').toEqual([]);
  const lastSeq = store.streamSeq.get('telemetry') ?? 0;
  const stillQueued = new Set(tail.map((row) => row.seq));
  expect(seqGaps(ledger.seqs('telemetry'), lastSeq).filter((seq) => !stillQueued.has(seq)), 'telemetry seqs never received').toEqual([]);
  expect(ledger.conflicts, 'ids or seqs reused for other content').toEqual([]);
  expect(ledger.malformed).toEqual([]);

  // ---- the contract's send order after an outage ----
  const copies = ledger.copies.filter((copy) => copy.stream === 'telemetry');
  const wrongFlag = copies.filter((copy) => copy.late !== copy.sentAt - copy.recordedAt > LATE_AFTER_MS);
  expect(wrongFlag.map((c) => `seq ${c.seq}: late=${c.late}, sent ${c.sentAt - c.recordedAt} ms after recording`), '"late" must mean sentAt − recordedAt > lateAfterMs').toEqual([]);
  // Recorded while the broker was down and long enough before it came back: never sent on time.
  const duringOutage = copies.filter((copy) => copy.recordedAt > outageStart + 200 && copy.recordedAt < restartedAt - LATE_AFTER_MS);
  expect(duringOutage.length).toBeGreaterThan((OUTAGE_MS / POLL_MS) * DEVICES * 0.5);
  expect(duringOutage.filter((copy) => !copy.late).map((copy) => copy.seq), 'messages recorded during the outage must arrive flagged late').toEqual([]);

  const first = ledger.firstCopies('telemetry');
  const onTime = first.filter((copy) => !copy.late);
  const late = first.filter((copy) => copy.late);
  expect(preOutage).toBeGreaterThan((BEFORE_MS / POLL_MS) * DEVICES * 0.5);
  expect(descents(onTime.map((copy) => copy.seq)), 'on-time (live) telemetry must arrive in seq order').toEqual([]);
  expect(descents(late.map((copy) => copy.seq)), 'late (backlog) telemetry must arrive oldest first, in seq order').toEqual([]);
  expect(increasingChains(first.map((copy) => copy.seq))).toBeLessThanOrEqual(2);

  // Live first: data recorded after the reconnection arrives while the backlog is still coming.
  const lastLate = late.at(-1)!;
  const liveDuringDrain = onTime.filter((copy) => copy.recordedAt > restartedAt && copy.receivedAt < lastLate.receivedAt);
  const drainMs = lastLate.sentAt - late[0]!.sentAt;
  expect(drainMs, 'the backlog should take a while at this pace').toBeGreaterThan(1500);
  expect(liveDuringDrain.length, 'live telemetry must not wait behind the backlog').toBeGreaterThan((drainMs / POLL_MS) * DEVICES * 0.5);
  // Paced: at most backlogRatePerSecond, plus one second's burst (token bucket) and the window.
  const lateCopies = copies.filter((copy) => copy.late && copy.sentAt >= restartedAt);
  const spanS = (lateCopies.at(-1)!.sentAt - lateCopies[0]!.sentAt) / 1000;
  expect(lateCopies.length, `late messages in ${spanS.toFixed(2)} s`).toBeLessThanOrEqual(BACKLOG_RATE * (spanS + 1) + 64);
  expect(lateCopies.length / spanS, 'the backlog is paced, not trickled').toBeGreaterThan(BACKLOG_RATE * 0.5);

  console.info(
    `broker outage ${OUTAGE_MS} ms: ${store.samples.length} samples stored, ${first.length} telemetry messages (${copies.length} copies), ` +
      `${late.length} late over ${(drainMs / 1000).toFixed(1)} s (${(late.length / (drainMs / 1000)).toFixed(0)}/s), ${liveDuringDrain.length} live during the drain`,
  );
}, 60_000);
