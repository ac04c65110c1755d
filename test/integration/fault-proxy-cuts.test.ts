/**
 * The network between agent and broker is cut again and again by a TCP proxy in the test (every
 * connection reset or closed at once; sometimes new connections are refused for a while before
 * the link comes back; some cuts fall right after a PUBLISH reached the broker, so its PUBACK is
 * lost), under a ref-1k-like load (10 devices × 100 float32 at 5 Hz). The broker
 * and the platform-side subscriber stay up; only the agent's link flaps. Cut moments are seeded.
 *
 * Proves, against the store's history after a clean stop: every stored sample was received with
 * its stored value (only the last cycles written at the clean stop may wait in the outbox), no
 * telemetry seq is missing, repeated messages (PUBACKs lost in a cut) carry the same id, seq and
 * content, `late` means sentAt − recordedAt > lateAfterMs, and per stream the messages (repeats
 * dropped) form at most two runs in seq order: live, and the late backlog (docs/mqtt-contract.md).
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli, tempDir, waitFor, writeTempFile } from '../helpers/agent-process.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { accountFor, increasingChains, readStore, refLoadConfig, REF_GATEWAY, seqGaps, startLedger, startRefLoad } from '../helpers/ref-load.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const POLL_MS = 200;
const DEVICES = 10;
const LATE_AFTER_MS = 1000;
const CUTS = 12;
const SEED = 0xc075;

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it(`delivers every stored sample across ${CUTS} network cuts (seed ${SEED.toString(16)})`, async () => {
  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const proxy = await startTcpProxy(broker.port);
  cleanups.push(() => proxy.close());
  const load = await startRefLoad({ devices: DEVICES, points: 100 });
  cleanups.push(() => load.stop());
  const ledger = await startLedger(broker.url, REF_GATEWAY, `cuts-platform-${process.pid}`);
  cleanups.push(() => ledger.close());

  const dir = tempDir('proxy-cuts');
  const dbPath = join(dir, 'store.db');
  const configFile = writeTempFile(
    dir,
    'agent.yaml',
    refLoadConfig({ load, brokerUrl: proxy.url, storePath: dbPath, pollIntervalMs: POLL_MS, mqtt: { inflightWindow: 64, lateAfterMs: LATE_AFTER_MS, backlogRatePerSecond: 300, reconnectMinMs: 100, reconnectMaxMs: 1000 } }),
  );
  const agent = runCli(['run', '--config', configFile]);
  cleanups.push(async () => {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
  });
  const fail = (error: Error): never => {
    throw new Error(`${error.message}\n--- agent ---\n${agent.output().slice(-4000)}`);
  };
  await waitFor('telemetry through the proxy', () => ledger.firstCopies('telemetry').length >= DEVICES, 10_000).catch(fail);

  const random = prng(SEED);
  const log: string[] = [];
  let refusedFor = 0;
  for (let cut = 1; cut <= CUTS; cut++) {
    await sleep(400 + Math.floor(random() * 1000));
    const kind = random();
    let mode: string;
    let cutNow = 1;
    if (kind < 0.4) {
      // A PUBLISH reaches the broker, its PUBACK never comes back: the agent must send it again.
      mode = 'after-upload';
      await Promise.race([proxy.cutAfterNextUpload(), sleep(2000).then(() => (cutNow = proxy.cut('reset')))]);
    } else {
      const cutMode = kind < 0.7 ? 'reset' : 'close';
      mode = cutMode;
      cutNow = proxy.cut(cutMode);
    }
    const refuseMs = random() < 0.5 ? 300 + Math.floor(random() * 2200) : 0;
    if (refuseMs > 0) {
      proxy.refuse();
      await sleep(refuseMs);
      proxy.restore();
      refusedFor += refuseMs;
    }
    log.push(`cut ${cut}: ${mode} ${cutNow} connection(s), refused for ${refuseMs} ms`);
  }
  expect(proxy.stats().cut, log.join('\n')).toBeGreaterThanOrEqual(CUTS * 0.75);

  await waitFor('everything to arrive after the last cut', () => {
    const copies = ledger.firstCopies('telemetry');
    return seqGaps(ledger.seqs('telemetry')).length === 0 && copies.length > 0 && Date.now() - (copies.findLast((c) => c.late)?.receivedAt ?? 0) > 1000;
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
  expect(unaccounted, 'stored samples never received').toEqual([]);
  expect(wrongValues, 'samples received with another value than stored').toEqual([]);
  const lastSeq = store.streamSeq.get('telemetry') ?? 0;
  const stillQueued = new Set(tail.map((row) => row.seq));
  expect(seqGaps(ledger.seqs('telemetry'), lastSeq).filter((seq) => !stillQueued.has(seq)), 'telemetry seqs never received').toEqual([]);
  expect(ledger.conflicts, 'ids or seqs reused for other content').toEqual([]);
  expect(ledger.malformed).toEqual([]);

  const copies = ledger.copies.filter((copy) => copy.stream === 'telemetry');
  const first = ledger.firstCopies('telemetry');
  expect(copies.filter((copy) => copy.late !== copy.sentAt - copy.recordedAt > LATE_AFTER_MS).map((c) => c.seq), '"late" must mean sentAt − recordedAt > lateAfterMs').toEqual([]);
  expect(increasingChains(first.map((copy) => copy.seq)), 'per stream: live in seq order, late backlog in seq order').toBeLessThanOrEqual(2);
  // The cuts must have hurt: messages in flight were lost with their PUBACKs and sent again, and
  // a backlog built up during the refusals.
  expect(copies.length - first.length, `repeated copies\n${log.join('\n')}`).toBeGreaterThan(0);
  expect(first.filter((copy) => copy.late).length, `late messages\n${log.join('\n')}`).toBeGreaterThan(0);
  expect(store.samples.length).toBeGreaterThan(20_000);
  console.info(
    `proxy cuts ×${CUTS} (seed ${SEED.toString(16)}, refused ${refusedFor} ms in all): ${store.samples.length} samples stored, ${first.length} telemetry messages, ` +
      `${copies.length - first.length} repeated copies, ${first.filter((c) => c.late).length} late; proxy ${JSON.stringify(proxy.stats())}\n${log.join('\n')}`,
  );
}, 60_000);
