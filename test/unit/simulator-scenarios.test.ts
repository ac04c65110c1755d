import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { shippedMine } from '../../simulators/devices/catalog.js';
import { layoutYaml, rosterCsv } from '../../simulators/data/generate.js';
import { loadLayout } from '../../simulators/data/layout.js';
import { loadRoster, parseRoster, trainingValidOn } from '../../simulators/data/roster.js';
import { startSimulators, type RunningSimulators } from '../../simulators/run.js';
import { ManualClock } from '../../simulators/scaled-clock.js';
import { ScenarioRunner, type TimelineEntry } from '../../simulators/scenario-runner.js';
import { listScenarios, loadScenario } from '../../simulators/scenarios/load.js';

const running: RunningSimulators[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sims) => sims.stop()));
});

/** Plays a whole scenario against fresh simulators, one simulated second per step. */
async function play(name: string, seed: number): Promise<{ timeline: TimelineEntry[]; sims: RunningSimulators; runner: ScenarioRunner }> {
  const scenario = loadScenario(name);
  const clock = new ManualClock(Date.parse(scenario.start));
  const sims = await startSimulators({ basePort: 0, seed, clock });
  running.push(sims);
  const runner = new ScenarioRunner(scenario, sims, { seed });
  for (let t = runner.startMs; !runner.finishedAt(t); t += 1000) {
    clock.set(t);
    runner.advanceTo(t);
  }
  return { timeline: runner.timeline, sims, runner };
}

describe('shipped mine data', () => {
  it('roster.csv and layout.yaml are exactly what the generator writes', () => {
    expect(readFileSync(new URL('../../simulators/data/roster.csv', import.meta.url), 'utf8')).toBe(rosterCsv());
    expect(readFileSync(new URL('../../simulators/data/layout.yaml', import.meta.url), 'utf8')).toBe(layoutYaml());
  });

  it('holds ≥ 600 people with leaders, contractors, labour dispatch and untrained people for the scenarios', () => {
    const roster = loadRoster();
    expect(roster.length).toBeGreaterThanOrEqual(600);
    const count = (predicate: (p: (typeof roster)[number]) => boolean) => roster.filter(predicate).length;
    expect(count((p) => p.role === 'leader')).toBe(16);
    expect(count((p) => p.employerType === 'labour_dispatch')).toBe(5);
    expect(count((p) => p.employerType === 'contractor')).toBeGreaterThan(100);
    expect(count((p) => p.trainingValidUntil === null)).toBe(3);
    expect(count((p) => p.trainingValidUntil !== null && !trainingValidOn(p, '2024-11-18'))).toBe(4);
    expect(roster.every((p) => /^[\u4e00-\u9fff]{2,3}$/.test(p.name))).toBe(true);
  });

  it('the layout has shaft-head readers and five production levels, all references resolved', () => {
    const layout = loadLayout();
    expect(layout.readers.filter((r) => r.shaftHead !== null).map((r) => [r.id, r.shaftHead])).toEqual([[1, 'entry'], [2, 'exit']]);
    expect(layout.levels.filter((l) => l.production)).toHaveLength(5);
    expect(layout.workLocations.filter((w) => w.riskArea !== null).map((w) => w.id)).toEqual(['WL-350E', 'WL-400W']);
  });

  it('a bad roster line is reported with its line number', () => {
    expect(() => parseRoster('card,name,role,crew,employer_type,training_valid_until,certificates\n1,张三,boss,C01,own,,\n')).toThrow(/line 2: role/);
  });
});

describe('scenario files', () => {
  it('there is one valid file per required situation, each saying what the agent should do', () => {
    const names = listScenarios();
    expect(names).toEqual(['device-offline', 'four-levels', 'gas-sensor-failure', 'ineligible-entry', 'leader-leaves', 'line-noise', 'over-quota', 'shift-change', 'storm', 'suspended-mine']);
    for (const name of names) {
      const scenario = loadScenario(name);
      expect(scenario.expect.zh, name).toMatch(/[\u4e00-\u9fff]/);
      expect(scenario.expect.en.length, name).toBeGreaterThan(20);
    }
  });

  it('an unknown scenario names the known ones', () => {
    expect(() => loadScenario('flood')).toThrow(/no scenario "flood"; scenarios are: device-offline/);
  });

  it('every scenario plays to the end against the simulators', async () => {
    for (const name of listScenarios()) {
      const { timeline } = await play(name, 1);
      expect(timeline.length, name).toBeGreaterThan(0);
    }
  });
});

describe('scenario runner', () => {
  it('gives the same device-visible timeline for the same seed, another for another seed', async () => {
    const a = await play('shift-change', 7);
    const b = await play('shift-change', 7);
    const c = await play('shift-change', 8);
    expect(a.timeline.length).toBeGreaterThan(300);
    expect(b.timeline).toEqual(a.timeline);
    expect(c.timeline).not.toEqual(a.timeline);
    // What a master reads is the same too: the substation's event FIFO.
    const events = (r: typeof a) => r.sims.devices.get('pp-1')!.model.events();
    expect(events(b)).toEqual(events(a));
    expect(events(c)).not.toEqual(events(a));
  });

  it('over-quota ends with 61 underground; shift-change with 61 and the night shift gone', async () => {
    const overQuota = await play('over-quota', 3);
    expect(overQuota.sims.devices.get('pp-1')!.model.underground()).toHaveLength(61);
    const shift = await play('shift-change', 3);
    const pp = shift.sims.devices.get('pp-1')!.model;
    const crews = new Map(shippedMine().roster.map((p) => [p.card, p.crew]));
    expect(pp.underground()).toHaveLength(61);
    expect(pp.underground().some((card) => crews.get(card) === 'C05')).toBe(false);
  });

  it('suspended-mine puts 11 people at one work location', async () => {
    const { sims } = await play('suspended-mine', 5);
    const pp = sims.devices.get('pp-1')!.model;
    const readers = pp.underground().map((card) => pp.card(card).reader);
    expect(readers.filter((r) => r === 32)).toHaveLength(11); // reader 32: -300 m east stope
  });

  it('storm passes 50 mm in 24 h and brings two people in after that', async () => {
    const { sims, timeline } = await play('storm', 5);
    expect(sims.weather.model.read('rain_24h')).toBeGreaterThan(50);
    const lateEntries = timeline.filter((e) => e.change.startsWith('entry') && e.t >= 2 * 3_600_000);
    expect(lateEntries).toHaveLength(2);
  });

  it('ineligible-entry brings in one expired, one untrained and one labour-dispatch card', async () => {
    const { timeline } = await play('ineligible-entry', 5);
    const roster = new Map(shippedMine().roster.map((p) => [p.card, p]));
    const late = timeline.filter((e) => e.change.startsWith('entry') && e.t >= 10 * 60_000).map((e) => roster.get(Number(/card=(\d+)/.exec(e.change)![1]))!);
    expect(late.map((p) => [p.trainingValidUntil === null, p.employerType])).toEqual([
      [false, expect.not.stringMatching(/labour_dispatch/) as unknown],
      [true, expect.any(String) as unknown],
      [false, 'labour_dispatch'],
    ]);
  });

  it('device-offline and line-noise set the faults they describe', async () => {
    const offline = await play('device-offline', 1);
    expect(offline.sims.devices.get('pp-1')!.faults.silent).toBe(true);
    expect(offline.sims.devices.get('water-1')!.faults.disconnect).toBe(true);
    const noise = await play('line-noise', 1);
    expect(noise.timeline.filter((e) => e.device === 'wx-1').map((e) => e.change)).toEqual(['fault corruptFraction=0.02', 'fault corruptFraction=0.3', 'faults cleared']);
  });
});
