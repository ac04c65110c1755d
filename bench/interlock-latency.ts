/**
 * Interlock decision latency in the running agent: "a poll result lands → the output writes are
 * issued", per decision, at ref-1k (10 Modbus TCP devices × 100 float32 polled every 1 s) and at
 * ref-1k-100ms (the same at 10 Hz), plus the simulated mine (positioning substation with 500 people
 * underground, the five systems, the shaft-head outputs) polled at the same rate. The whole agent
 * runs in this process (scheduler, point table, interlocks, store, forwarder to a dead broker).
 *
 * Also the main-thread time the interlocks cost: the time spent inside the runtime's decision
 * (headcount review, rules, alarms, annunciation, output writes started, bookkeeping) and inside its
 * state saving (serialisation + the SQLite write), per decision and per second of the window.
 * Both are synchronous, so their wall time is CPU time on a quiet machine (a shared one adds noise).
 *
 * Then "field to output": a card passes the entry reader of the simulated substation while the
 * mine is one below its quota → the entry-permit coil of the simulated output module drops; and it
 * comes back when the card leaves. Reported in poll intervals + milliseconds.
 *
 *     npm run build && node dist/bench/interlock-latency.js [--seconds 20] [--flips 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config/load.js';
import type { Config, DeviceConfig } from '../config/schema.js';
import { systemClock } from '../agent/model/clock.js';
import { Agent } from '../agent/runtime/agent.js';
import { createLogger } from '../agent/runtime/logger.js';
import { startRefLoad } from './support/ref-load.js';
import { startSimulators, type RunningSimulators } from '../simulators/run.js';
import { meterMethod } from './support/method-meter.js';

const DEMO_CONFIG = fileURLToPath(new URL('../../config/examples/demo.yaml', import.meta.url));
const PEOPLE = 500;
const FIRST_CARD = 100001;


function benchConfig(sims: RunningSimulators, refPorts: number[], pollIntervalMs: number, storePath: string): Config {
  const base = loadConfigFile(DEMO_CONFIG, {});
  const mine: DeviceConfig[] = base.devices
    .filter((d) => d.transport === 'modbus-tcp')
    .map((d) => {
      if (d.transport !== 'modbus-tcp') return d;
      const endpoint = sims.endpoints.find((e) => e.deviceId === d.id)!;
      return { ...d, host: endpoint.host, port: endpoint.port, pollIntervalMs, timeoutMs: Math.max(200, Math.min(1000, pollIntervalMs * 2)), retries: 0 };
    });
  const ref: DeviceConfig[] = refPorts.map((port, index) => ({
    id: `ref-${index + 1}`,
    system: 'safety_monitoring',
    transport: 'modbus-tcp',
    host: '127.0.0.1',
    port,
    unitId: 1,
    pollIntervalMs,
    timeoutMs: Math.max(200, Math.min(1000, pollIntervalMs * 2)),
    retries: 0,
    maxGap: 10,
    maxRegistersPerRequest: 125,
    maxBitsPerRequest: 2000,
    prohibitedRanges: [],
    points: Array.from({ length: 100 }, (_, i) => ({ id: `v${i}`, table: 'holding', address: i * 2, type: 'float32', byteOrder: 'ABCD', scale: 1, offset: 0, output: false })),
  }));
  const interlocks = structuredClone(base.interlocks!);
  interlocks.quotas = { mine: PEOPLE + 1, areas: {}, levels: {} };
  interlocks.weather = { ...interlocks.weather, rain24h: undefined };
  interlocks.outputs = { ...interlocks.outputs, ledBoard: undefined };
  interlocks.people.noSignalAfterMs = 3_600_000;
  // 100 analog thresholds on the reference values (never crossed): the rules do real work per decision.
  interlocks.analog = [
    ...interlocks.analog,
    ...Array.from({ length: 100 }, (_, i) => ({ device: `ref-${(i % 10) + 1}`, point: `v${i}`, preset: 'custom' as const, compare: 'ge' as const, alarmAt: 1e9, label: { zh: `参考${i}`, en: `ref ${i}` } })),
  ];
  return {
    ...base,
    store: { ...base.store, path: storePath },
    mqtt: { ...base.mqtt, url: 'mqtt://127.0.0.1:9', connectTimeoutMs: 500 },
    http: { host: '127.0.0.1', port: 0 },
    serialPorts: [],
    devices: [...mine, ...ref],
    interlocks,
  };
}

/** Bench-only: counts the state saves that reached the store (not the persist timer's no-ops). */
function countSaves(store: object): { saves: number; rows: number; bytes: number; reset(): void } {
  const holder = store as { saveInterlockState: (states: ReadonlyArray<{ name: string; json: string }>, now: number) => void };
  const original = holder.saveInterlockState.bind(store);
  const c = {
    saves: 0,
    rows: 0,
    bytes: 0,
    reset() {
      c.saves = c.rows = c.bytes = 0;
    },
  };
  holder.saveInterlockState = (states, now) => {
    c.saves++;
    c.rows += states.length;
    for (const s of states) c.bytes += s.json.length;
    original(states, now);
  };
  return c;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return check();
}

async function runLoad(label: string, pollIntervalMs: number, seconds: number, flips: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shaftgate-bench-interlocks-'));
  const sims = await startSimulators({ basePort: 0, seed: 3 });
  const ref = await startRefLoad(10, 100);
  const pp = sims.devices.get('pp-1')!.model;
  const out = sims.devices.get('out-1')!.model;
  const roster = Array.from({ length: 624 }, (_, i) => FIRST_CARD + i);
  // 500 people underground, spread over the work-location readers, leaders included.
  const readers = [22, 23, 32, 33, 42, 43, 52, 53, 62, 63];
  const eligible = roster.filter((card) => ![100036, 100122, 100263, 100389, 100471, 100089, 100334, 100518, 100058, 100204, 100412, 100591].includes(card));
  const underground = eligible.slice(0, PEOPLE);
  for (const [i, card] of underground.entries()) {
    pp.enter(card);
    pp.seen(card, readers[i % readers.length]!);
  }
  const spare = eligible[PEOPLE]!;
  const agent = new Agent(benchConfig(sims, ref.ports, pollIntervalMs, join(dir, 'store.db')), { clock: systemClock, logger: createLogger('fatal') });
  await agent.start();
  const runtime = agent.interlockRuntime!;
  const decideMeter = meterMethod(runtime, 'decide');
  const persistMeter = meterMethod(runtime, 'persist');
  const saves = countSaves((runtime as unknown as { deps: { store: object } }).deps.store);
  try {
    const ready = await waitUntil(() => out.read('entry_permit') === true && runtime.lastDecision?.headcount.total === PEOPLE, 30_000);
    if (!ready) throw new Error(`the permit never came on: ${JSON.stringify(runtime.health().permitReasons)} headcount ${runtime.lastDecision?.headcount.total}`);
    runtime.resetLatency();
    decideMeter.reset();
    persistMeter.reset();
    saves.reset();
    await sleep(seconds * 1000);
    const latency = runtime.latencySummary();
    const work = { decide: { ...decideMeter, times: [...decideMeter.times] }, persist: { ...persistMeter }, saves: { ...saves } };
    const health = runtime.health();

    // Field to output: quota PEOPLE + 1; one more entry → quota reached → permit coil off; exit → on.
    const offDelays: number[] = [];
    const onDelays: number[] = [];
    for (let i = 0; i < flips; i++) {
      await sleep(pollIntervalMs * (0.13 + ((i * 0.37) % 1))); // spread the change over the poll phase
      let t0 = performance.now();
      pp.enter(spare);
      if (!(await waitUntil(() => out.read('entry_permit') === false, 10_000))) throw new Error('the permit coil did not drop');
      offDelays.push(performance.now() - t0);
      await sleep(pollIntervalMs * (0.21 + ((i * 0.53) % 1)));
      t0 = performance.now();
      pp.exit(spare);
      if (!(await waitUntil(() => out.read('entry_permit') === true, 10_000))) throw new Error('the permit coil did not come back');
      onDelays.push(performance.now() - t0);
    }
    const fmt = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
      const inPolls = (ms: number) => `${(ms / pollIntervalMs).toFixed(2)} polls`;
      return `p50 ${q(0.5).toFixed(1)} ms (${inPolls(q(0.5))}), max ${q(1).toFixed(1)} ms (${inPolls(q(1))})`;
    };
    console.log(`\n${label}: 10 × 100 float32 + the simulated mine (${PEOPLE} underground), poll ${pollIntervalMs} ms, ${seconds} s`);
    console.log(`  decisions              ${latency.count} (${(latency.count / seconds).toFixed(0)}/s), active alarms ${health.activeAlarms}, output faults ${health.outputFaults.length}`);
    console.log(`  decision latency       p50 ${latency.p50Ms} ms  p90 ${latency.p90Ms} ms  p99 ${latency.p99Ms} ms  max ${latency.maxMs} ms   (target p99 ≤ 100 ms)`);
    const perDecision = work.decide.calls === 0 ? 0 : work.decide.ms / work.decide.calls;
    const took = [...work.decide.times].sort((a, b) => a - b);
    const at = (p: number) => (took.length === 0 ? 0 : took[Math.min(took.length - 1, Math.floor(p * took.length))]!);
    console.log(
      `  interlock main thread  ${perDecision.toFixed(3)} ms per decision at ${PEOPLE} people (p50 ${at(0.5).toFixed(3)}, p99 ${at(0.99).toFixed(3)}; ${work.decide.calls} decisions, ${(work.decide.ms / seconds).toFixed(2)} ms/s); ` +
        `state saving ${(work.persist.ms / seconds).toFixed(2)} ms/s (${work.saves.saves} saves, ${work.saves.rows} rows, ${(work.saves.bytes / 1024 / Math.max(1, work.saves.saves)).toFixed(0)} KiB per save)`,
    );
    console.log(`  field → permit off     ${fmt(offDelays)}   (entry at the substation → coil 0 at the output module)`);
    console.log(`  field → permit on      ${fmt(onDelays)}   (exit → coil 1)`);
    const rss = process.memoryUsage().rss / 1024 / 1024;
    console.log(`  process RSS            ${rss.toFixed(0)} MB (simulators included)`);
  } finally {
    await agent.stop(2000);
    await ref.stop();
    await sims.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, flips: { type: 'string', default: '10' } } });
  const seconds = Number(values.seconds);
  const flips = Number(values.flips);
  await runLoad('ref-1k', 1000, seconds, flips);
  await runLoad('ref-1k-100ms', 100, seconds, flips);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
