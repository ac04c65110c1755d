/**
 * Interlock decision time at the reference load's 500 people: the simulated mine's layout and
 * roster, 500 cards underground spread over every work location, 100 analog thresholds, quotas,
 * the five systems. Measures, per poll, (a) `InterlockEngine.decide` alone and (b) a positioning
 * snapshot of every card applied to the headcount followed by the decision — what runs after
 * each positioning poll. Prints p50/p99/max; target p99 ≪ 100 ms (PRODUCT.md).
 *
 *     npm run build && node dist/bench/interlock-decision.js [--iterations 2000]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { interlocksSchema } from '../config/rules-schema.js';
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

const PEOPLE = 500;
const ANALOG_POINTS = 100;
const { values: args } = parseArgs({ options: { iterations: { type: 'string' } } });
const iterations = Number(args.iterations ?? 2000);

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
const inputs = (now: number): InterlockInputs => ({
  now,
  headcount: tracker.view(),
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
measure('snapshot of every card + decide()', (now) => {
  tracker.applySnapshot({ readAt: now, cards: snapshotAt(now) });
  engine.decide(inputs(now));
});
