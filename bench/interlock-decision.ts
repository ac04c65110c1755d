/**
 * Interlock decision time at the reference load's 500 people: the simulated mine's layout and
 * roster, 500 cards underground spread over every work location, 100 analog thresholds, quotas,
 * the five systems. Measures, per poll, (a) `InterlockEngine.decide` alone and (b) a positioning
 * snapshot of every card applied to the headcount followed by the decision — what runs after
 * each positioning poll. Prints p50/p99/max; target p99 ≪ 100 ms (PRODUCT.md). Each is measured
 * as the agent calls it (the tracker's version given, so an unchanged headcount's view is reused)
 * and without the version (the view rebuilt at every call, as before that reuse).
 *
 * Then the whole `InterlockRuntime` as the agent drives it at ref-1k, on a simulated clock: every
 * simulated second 10 ref devices × 100 moving float32 (200 of them with thresholds), the demo
 * mine's devices and the positioning substation (events: an exit or re-entry every 2.5 s, the card
 * table every 10 s with 10 people moved a second), decisions coalesced by 20 ms as in the agent,
 * the state saved every 2 s to a real store (SQLite, synchronous=FULL) in a temporary folder. Prints
 * the main-thread time per decision (everything `decide` does: headcount review, rules, alarms,
 * annunciation, output writes started, bookkeeping) and per second, and the state saving's.
 *
 *     npm run build && node dist/bench/interlock-decision.js [--iterations 2000] [--seconds 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { interlocksSchema } from '../config/rules-schema.js';
import { storeSchema, type Config, type DeviceConfig } from '../config/schema.js';
import type { Driver } from '../drivers/driver.js';
import { InterlockRuntime } from '../agent/interlocks/interlock-runtime.js';
import type { Clock } from '../agent/model/clock.js';
import type { PositionEvent } from '../agent/model/positioning.js';
import type { PollCycle, Sample } from '../agent/model/sample.js';
import { trainingValidAt } from '../agent/people/person.js';
import { silentLogger } from '../agent/runtime/logger.js';
import { PointTable } from '../agent/state/point-table.js';
import { Store } from '../agent/store/store.js';
import { AlarmManager } from '../agent/alarms/alarm-manager.js';
import { defaultRuntimeSettings } from '../agent/commands/runtime-settings-data.js';
import { HeadcountTracker } from '../agent/headcount/headcount-tracker.js';
import type { CardReading } from '../agent/headcount/positioning-input.js';
import { loadLayoutFile } from '../agent/people/layout-file.js';
import { loadRosterFile } from '../agent/people/roster-file.js';
import { ShiftSchedule } from '../agent/people/shift-schedule.js';
import { InterlockEngine, type InterlockInputs } from '../agent/rules/interlock-engine.js';
import type { PointReading } from '../agent/rules/rule-types.js';
import { packageRoot } from '../agent/runtime/package-info.js';
import { meterMethod } from './support/method-meter.js';

const PEOPLE = 500;
const ANALOG_POINTS = 100;
const { values: args } = parseArgs({ options: { iterations: { type: 'string' }, seconds: { type: 'string' } } });
const iterations = Number(args.iterations ?? 2000);
const simulatedSeconds = Number(args.seconds ?? 300);

const layoutPath = join(packageRoot(), 'simulators/data/layout.yaml');
const layout = loadLayoutFile(layoutPath);
const roster = loadRosterFile(join(packageRoot(), 'simulators/data/roster.csv'), 480);
const config = interlocksSchema.parse({
  people: { layoutFile: layoutPath },
  quotas: { mine: 600, shift: 550, areas: { east: 400, west: 400 } },
  weather: { rain24h: { device: 'wx-1', point: 'rain_24h' } },
  analog: Array.from({ length: ANALOG_POINTS }, (_, i) => ({ device: `sm-${Math.floor(i / 10)}`, point: `p${i}`, preset: (['ch4', 'co', 'o2', 'co2'] as const)[i % 4] })),
});
const schedule = new ShiftSchedule(config.people.shifts, config.people.utcOffsetMinutes, config.people.entryLeadMinutes);
const alarms = new AlarmManager(config.alarms);
const engine = new InterlockEngine(config, { layout, schedule, alarms });
const tracker = new HeadcountTracker(layout, { noSignalAfterMs: config.people.noSignalAfterMs, overtimeGraceMs: config.people.overtimeGraceMinutes * 60_000 });

const start = Date.parse('2024-11-18T07:30:00+08:00');
const people = [...roster.people()].slice(0, PEOPLE);
const workZones = layout.config.zones.filter((z) => z.workLocation !== null).map((z) => z.id);
tracker.applyEvents(
  people.map((p, i) => ({ seq: i + 1, card: p.card, at: start + i * 1000, reader: 1, kind: 'entry' as const })),
  engine.stampAt,
);
const snapshotAt = (now: number): CardReading[] =>
  people.map((p, i) => ({ card: p.card, reader: workZones[i % workZones.length]!, zone: workZones[i % workZones.length]!, lastSeenAt: now - 5000, underground: true, emergency: false, signalLost: false }));

const points = new Map<string, PointReading>();
for (const a of config.analog) points.set(`${a.device}/${a.point}`, { value: a.preset === 'o2' ? 20.7 : 0.1, quality: 'good', lastGoodAt: start });
points.set('wx-1/rain_24h', { value: 3, quality: 'good', lastGoodAt: start });
const settings = defaultRuntimeSettings();
const systems = ['personnel_positioning', 'safety_monitoring', 'communication', 'compressed_air', 'water_supply', 'weather'];
const inputs = (now: number, versioned = true): InterlockInputs => ({
  now,
  headcount: tracker.view(),
  headcountVersion: versioned ? tracker.version : undefined,
  roster,
  points,
  devices: systems.map((system) => ({ deviceId: `${system}-1`, system, pollIntervalMs: 1000, lastGoodAt: now })),
  settings,
  manualBan: null,
  agent: { healthy: true, problems: [] },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(name: string, body: (now: number) => void): void {
  const times: number[] = [];
  let now = start + PEOPLE * 1000 + 60_000;
  for (let i = 0; i < iterations + 200; i++) {
    now += 1000;
    const began = performance.now();
    body(now);
    if (i >= 200) times.push(performance.now() - began); // the first 200 warm the JIT up
  }
  times.sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(3)} ms`;
  console.log(`${name.padEnd(44)} p50 ${f(percentile(times, 50))}  p99 ${f(percentile(times, 99))}  max ${f(times.at(-1)!)}  (${times.length} runs)`);
}

tracker.applySnapshot({ readAt: start + PEOPLE * 1000, cards: snapshotAt(start + PEOPLE * 1000) });
const sample = engine.decide(inputs(start + PEOPLE * 1000 + 1000));
console.log(
  `${PEOPLE} people underground, ${ANALOG_POINTS} analog thresholds, ${sample.findings.length} findings, permit ${sample.permit.permitted ? 'permitted' : 'not permitted'}, LED "${sample.outputs.led[0]}"`,
);
measure('decide()', (now) => engine.decide(inputs(now)));
measure('decide(), view rebuilt (no version)', (now) => engine.decide(inputs(now, false)));
measure('snapshot of every card + decide()', (now) => {
  tracker.applySnapshot({ readAt: now, cards: snapshotAt(now) });
  engine.decide(inputs(now));
});

// --- the whole runtime at ref-1k --------------------------------------------------------------

/** A simulated clock: wall and monotonic time advance together, only when the bench says. */
class SimClock implements Clock {
  mono = 0;
  constructor(private readonly wallStart: number) {}
  now(): number {
    return this.wallStart + Math.floor(this.mono);
  }
  monotonic(): number {
    return this.mono;
  }
}

/** Output devices that confirm every write at once. */
function fakeDriver(deviceId: string): Driver & { write: (pointId: string, value: boolean) => Promise<unknown>; writeLine: (text: string) => Promise<{ ok: true }> } {
  return {
    deviceId,
    poll: () => Promise.resolve([]),
    close: () => Promise.resolve(),
    stats: () => {
      throw new Error('not used');
    },
    write: (pointId: string, value: boolean) => Promise.resolve({ ok: true, deviceId, pointId, value, fc: 5, raw: [value] }),
    writeLine: () => Promise.resolve({ ok: true as const }),
  };
}

async function runtimeAtRef1k(): Promise<void> {
  const base = loadConfigFile(join(packageRoot(), 'config/examples/demo.yaml'), {});
  const refSystems = ['safety_monitoring', 'safety_monitoring', 'safety_monitoring', 'safety_monitoring', 'safety_monitoring', 'safety_monitoring', 'compressed_air', 'compressed_air', 'water_supply', 'water_supply'];
  const ref: DeviceConfig[] = refSystems.map((system, index) => ({
    id: `ref-${index + 1}`,
    system,
    transport: 'modbus-tcp',
    host: '127.0.0.1',
    port: 1,
    unitId: 1,
    pollIntervalMs: 1000,
    timeoutMs: 1000,
    retries: 0,
    maxGap: 10,
    maxRegistersPerRequest: 125,
    maxBitsPerRequest: 2000,
    prohibitedRanges: [],
    points: Array.from({ length: 100 }, (_, i) => ({ id: `v${i}`, table: 'holding', address: i * 2, type: 'float32', byteOrder: 'ABCD', scale: 1, offset: 0, output: false })),
  })) as DeviceConfig[];
  const devices = [...base.devices, ...ref];
  const interlocks = structuredClone(base.interlocks!);
  interlocks.quotas = { mine: 600, shift: 550, areas: {}, levels: {} };
  // 200 thresholds on the ref values (20 per device), never reached: watched at every decision.
  interlocks.analog = [
    ...interlocks.analog,
    ...ref.flatMap((d, k) => Array.from({ length: 20 }, (_, j) => ({ device: d.id, point: `v${j * 5}`, preset: 'custom' as const, compare: 'ge' as const, alarmAt: (k + 1) * 1000 + 300, onDelayMs: 2000, label: { zh: `${d.id} v${j * 5}`, en: `${d.id} v${j * 5}` } }))),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'shaftgate-bench-decision-'));
  const clock = new SimClock(Date.parse('2024-11-18T07:30:00+08:00'));
  const store = Store.open(storeSchema.parse({ path: join(dir, 'store.db') }), { clock, logger: silentLogger() });
  // Bench-only: what reached the store (rows and their size), apart from the timer's runs.
  const saves = { calls: 0, rows: 0, bytes: 0 };
  const save = store.saveInterlockState.bind(store);
  store.saveInterlockState = (states, now) => {
    saves.calls++;
    saves.rows += states.length;
    for (const state of states) saves.bytes += state.json.length;
    save(states, now);
  };
  const config: Pick<Config, 'devices'> = { devices };
  const pointTable = new PointTable(config, clock);
  const drivers = new Map(devices.map((d) => [d.id, fakeDriver(d.id)]));
  const runtime = new InterlockRuntime({
    config: interlocks,
    devices,
    configDir: join(packageRoot(), 'config/examples'),
    clock,
    logger: silentLogger(),
    pointTable,
    settings: () => settings,
    driverOf: (id) => drivers.get(id),
    agentProblems: () => [],
    store,
    decisionCoalesceMs: 20,
  });
  const decide = meterMethod(runtime, 'decide');
  const persist = meterMethod(runtime, 'persist');
  const persistNow = (runtime as unknown as { persist(force: boolean): void }).persist.bind(runtime);

  // 500 eligible people from the roster, spread over the work zones; entry and exit readers from the layout.
  const readers = runtime.people.layout.config.readers;
  const entryReader = readers.find((r) => r.shaftHead === 'entry')!.id;
  const exitReader = readers.find((r) => r.shaftHead === 'exit')!.id;
  const placesWithWork = new Set(runtime.people.layout.config.zones.filter((z) => z.workLocation !== null).map((z) => z.id));
  const workReaders = readers.filter((r) => placesWithWork.has(r.zone));
  const landing = readers.find((r) => r.shaftHead === null && !placesWithWork.has(r.zone)) ?? workReaders[0]!;
  const t0 = clock.now();
  const crew = [...runtime.roster().people()].filter((p) => p.employer !== 'labour_dispatch' && trainingValidAt(p, t0)).slice(0, PEOPLE);
  const where = new Map(crew.map((p, i) => [p.card, workReaders[i % workReaders.length]!]));
  const underground = new Set<string>();
  const lastSeen = new Map<string, number>();
  let seq = 0;
  const valueOf = (device: DeviceConfig, point: DeviceConfig['points'][number], second: number): Sample['value'] => {
    if (point.type === 'bool' || point.type === 'bit') return false;
    if (point.type === 'string') return '';
    if (device.id.startsWith('ref-')) return Number(device.id.slice(4)) * 1000 + ((second * 7 + Number(point.id.slice(1))) % 256);
    return ({ o2: 20.7, outlet_pressure: device.system === 'water_supply' ? 0.5 : 0.2, rain_24h: 3 } as Record<string, number>)[point.id] ?? 0.1;
  };
  const cycleOf = (device: DeviceConfig, second: number, events: PositionEvent[] = [], cardTable = false): PollCycle => {
    const now = clock.now();
    const samples: Sample[] = device.points.map((point) => ({ deviceId: device.id, pointId: point.id, value: valueOf(device, point, second), quality: 'good', ts: now, mono: clock.mono }));
    const cycle: PollCycle = { deviceId: device.id, startedAt: now - 5, finishedAt: now, samples };
    if (device.system === 'personnel_positioning') {
      cycle.positioning = {
        deviceId: device.id,
        at: now,
        mono: clock.mono,
        quality: 'good',
        detail: null,
        header: null,
        cards: cardTable
          ? crew.map((p) => {
              const reader = underground.has(p.card) ? where.get(p.card)! : readers.find((r) => r.id === exitReader)!;
              return { card: p.card, reader: reader.id, zone: reader.zone, lastSeenAt: lastSeen.get(p.card) ?? now, underground: underground.has(p.card), emergency: false, signalLost: false };
            })
          : null,
        events,
        missedEvents: 0,
        eventsResynced: false,
        rejected: [],
      };
    }
    return cycle;
  };
  const land = (cycle: PollCycle) => {
    pointTable.apply(cycle);
    runtime.onCycle(cycle, clock.mono);
  };
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  // Everybody enters and one card table confirms the count (outside the measurement).
  land(cycleOf(devices.find((d) => d.id === 'pp-1')!, 0, crew.map((p) => ({ seq: ++seq, card: p.card, at: clock.now(), reader: entryReader, kind: 'entry' as const }))));
  for (const p of crew) {
    underground.add(p.card);
    lastSeen.set(p.card, clock.now());
  }
  const others = devices.filter((d) => d.id !== 'pp-1' && d.points.length > 0);
  const pp = devices.find((d) => d.id === 'pp-1')!;
  let walker = 0;
  let mover = 0;
  const second = async (s: number, measured: boolean) => {
    const start = clock.mono;
    // The staggered ref/demo device timers: a cycle every 10 ms, coalesced by the runtime.
    for (const [i, device] of others.entries()) {
      clock.mono = start + i * 10;
      land(cycleOf(device, s));
    }
    // 10 people move a second (seen in the next card table); an exit or a re-entry every 2.5 s.
    clock.mono = start + 500;
    for (let k = 0; k < 10; k++) {
      const p = crew[walker++ % crew.length]!;
      const home = workReaders[crew.indexOf(p) % workReaders.length]!;
      where.set(p.card, where.get(p.card) === home ? landing : home);
      lastSeen.set(p.card, clock.now());
    }
    const events: PositionEvent[] = [];
    if (s % 5 === 0 || s % 5 === 2) {
      const p = crew[mover % crew.length]!;
      if (underground.delete(p.card)) events.push({ seq: ++seq, card: p.card, at: clock.now(), reader: exitReader, kind: 'exit' });
      else {
        underground.add(p.card);
        mover++;
        events.push({ seq: ++seq, card: p.card, at: clock.now(), reader: entryReader, kind: 'entry' });
      }
      lastSeen.set(p.card, clock.now());
    }
    land(cycleOf(pp, s, events, s % 10 === 0));
    clock.mono = start + 1000;
    if (s % 2 === 0) persistNow(false);
    await tick();
    if (!measured) {
      decide.calls = decide.ms = persist.calls = persist.ms = 0;
      decide.times.length = persist.times.length = 0;
      saves.calls = saves.rows = saves.bytes = 0;
    }
  };
  for (let s = 1; s <= 60; s++) await second(s, false); // warm-up: the JIT, the alarms of the start
  for (let s = 61; s <= 60 + simulatedSeconds; s++) await second(s, true);
  const d = runtime.lastDecision!;
  const sorted = [...decide.times].sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(3)} ms`;
  console.log(
    `\nruntime at ref-1k: ${d.headcount.total} people underground, ${interlocks.analog.length} analog thresholds, ${devices.length} devices, ${d.findings.length} findings, permit ${d.permit.permitted ? 'permitted' : 'not permitted'}, ${simulatedSeconds} simulated s`,
  );
  console.log(
    `  decisions                ${decide.calls} (${(decide.calls / simulatedSeconds).toFixed(1)}/s)  main thread per decision: mean ${f(decide.ms / decide.calls)}  p50 ${f(percentile(sorted, 50))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted.at(-1)!)}`,
  );
  console.log(`  decisions per second     ${(decide.ms / simulatedSeconds).toFixed(2)} ms of main thread per simulated second`);
  console.log(
    `  state saving             ${persist.calls} timer runs, ${(persist.ms / simulatedSeconds).toFixed(2)} ms per simulated second (mean ${f(persist.ms / Math.max(1, persist.calls))} per run); ` +
      `${saves.calls} writes, ${saves.rows} rows, ${(saves.bytes / 1024 / Math.max(1, saves.calls)).toFixed(0)} KiB per write`,
  );
  await runtime.stop(50);
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

runtimeAtRef1k().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
