/**
 * Plays a scenario (simulators/scenarios/*.yaml) against running simulators. Time comes from the
 * injected clock: `advanceTo(now)` applies every action due by `now`, so a test steps a whole shift
 * synchronously with a ManualClock, and `runLive()` follows a ScaledClock in real time.
 *
 * Steps expand into actions on a queue ordered by (time, order of scheduling): one "enter 80 over
 * 20 minutes" step becomes 80 entries at seeded times, each followed by the reader at the level
 * station and at the work location. Which people a step picks is decided when it is due, from who
 * is where at that moment, with a PRNG seeded from the run seed — so the same scenario and seed
 * give the same timeline, and another seed another one.
 *
 * Every device-visible change is appended to `timeline` (bounded), e.g.
 *   { t: 125000, device: 'pp-1', change: 'entry card=100023 reader=1 seq=5' }
 */
import type { Clock } from '../agent/model/clock.js';
import { LayoutIndex } from './data/layout.js';
import type { Person } from './data/roster.js';
import { shippedMine, type MineData } from './devices/catalog.js';
import type { PointValue } from './devices/mapped-device.js';
import { Prng, subSeed } from './devices/prng.js';
import type { SensorId } from './devices/safety-monitoring-map.js';
import type { UnitFaults } from './modbus/faults.js';
import { deviceOf, type RunningSimulators } from './run.js';
import { pickPeople } from './scenarios/people-picker.js';
import type { Scenario, ScenarioStep } from './scenarios/schema.js';

export interface TimelineEntry {
  /** Milliseconds since the scenario's start. */
  t: number;
  device: string;
  change: string;
}

const MAX_TIMELINE = 100_000;
const MINUTE = 60_000;
/** Walking and cage times: shaft head → level station → work location. */
const TO_STATION_MS = 3 * MINUTE;
const TO_WORK_LOCATION_MS = 5 * MINUTE;
const TO_SHAFT_HEAD_MS = 5 * MINUTE;

interface QueuedAction {
  at: number;
  order: number;
  run: () => void;
}

export class ScenarioRunner {
  readonly timeline: TimelineEntry[] = [];
  readonly startMs: number;
  readonly endMs: number;
  private readonly queue: QueuedAction[] = [];
  private scheduled = 0;
  private readonly prng: Prng;
  private readonly layout: LayoutIndex;
  private readonly roster: readonly Person[];
  private readonly date: string;
  /** Where each card is, as the scenario moved it (work location id), for exit selection. */
  private readonly whereabouts = new Map<number, string>();
  droppedTimelineEntries = 0;
  /** Scheduled time of the action running now: logs and follow-ups use it, so a coarse tick changes nothing. */
  private currentAt: number;

  constructor(
    readonly scenario: Scenario,
    private readonly simulators: RunningSimulators,
    options: { seed: number; mine?: MineData },
  ) {
    const mine = options.mine ?? shippedMine();
    this.layout = new LayoutIndex(mine.layout);
    this.roster = mine.roster;
    this.prng = new Prng(subSeed(options.seed, scenario.name));
    this.startMs = Date.parse(scenario.start);
    this.endMs = this.startMs + scenario.duration;
    this.date = scenario.start.slice(0, 10);
    this.currentAt = this.startMs;
    for (const step of scenario.steps) this.schedule(this.startMs + step.at, () => this.apply(step));
  }

  get clock(): Clock {
    return this.simulators.clock;
  }

  /** True when nothing is left to do and the scenario's duration has passed. */
  finishedAt(now: number): boolean {
    return this.queue.length === 0 && now >= this.endMs;
  }

  /** Applies every action due by `now`, in order. Returns how many ran. */
  advanceTo(now: number): number {
    let ran = 0;
    for (let next = this.queue[0]; next !== undefined && next.at <= now; next = this.queue[0]) {
      this.queue.shift();
      this.currentAt = next.at;
      next.run();
      ran++;
    }
    return ran;
  }

  /** Follows the simulators' clock in real time until the scenario ends or `signal` aborts. */
  runLive(signal?: AbortSignal, tickMs = 20): Promise<'finished' | 'stopped'> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (signal?.aborted) return finish('stopped');
        const now = this.clock.now();
        this.advanceTo(now);
        if (this.finishedAt(now)) finish('finished');
      }, tickMs);
      const finish = (how: 'finished' | 'stopped') => {
        clearInterval(timer);
        resolve(how);
      };
    });
  }

  private schedule(at: number, run: () => void): void {
    const action: QueuedAction = { at, order: this.scheduled++, run };
    // Insert in order (stable: equal times keep scheduling order).
    let index = this.queue.length;
    while (index > 0 && this.queue[index - 1]!.at > at) index--;
    this.queue.splice(index, 0, action);
  }

  private log(device: string, change: string): void {
    if (this.timeline.length >= MAX_TIMELINE) {
      this.droppedTimelineEntries++;
      return;
    }
    this.timeline.push({ t: this.currentAt - this.startMs, device, change });
  }

  private apply(step: ScenarioStep): void {
    if ('enter' in step) this.enter(step.enter);
    else if ('exit' in step) this.exit(step.exit);
    else if ('emergencyCall' in step) this.emergencyCall(step.emergencyCall);
    else if ('set' in step) this.point(step.set.device, step.set.point, (device) => device.set(step.set.point, step.set.value), `set ${step.set.point}=${String(step.set.value)}`);
    else if ('release' in step) this.point(step.release.device, step.release.point, (device) => device.release(step.release.point), `release ${step.release.point}`);
    else if ('stick' in step) this.point(step.stick.device, step.stick.point, (device) => device.stick(step.stick.point), `stick ${step.stick.point}`);
    else if ('sensorFault' in step) this.sensorFault(step.sensorFault);
    else if ('fault' in step) this.fault(step.fault);
    else if ('clearFaults' in step) {
      this.faultsOf(step.clearFaults.device).clear();
      this.log(step.clearFaults.device, 'faults cleared');
    } else if ('rain' in step) {
      this.simulators.weather.model.rain(step.rain.mmPerHour);
      this.log(this.simulators.weather.id, `rain ${step.rain.mmPerHour} mm/h`);
    } else this.log('-', `note: ${step.note.en}`);
  }

  private get positioning() {
    return deviceOf(this.simulators, 'pp-1', 'personnel_positioning').model;
  }

  /** Seeded times spread over [0, over]: sorted, so people pass the reader one after another. */
  private spread(count: number, over: number): number[] {
    return Array.from({ length: count }, () => Math.floor(this.prng.next() * over)).sort((a, b) => a - b);
  }

  private enter(step: Extract<ScenarioStep, { enter: unknown }>['enter']): void {
    const target = this.layout.readerAt(step.to);
    const station = this.layout.stationReaderFor(target.id);
    const people = pickPeople(this.roster, step.people, (card) => !this.whereabouts.has(card), this.date, this.prng);
    const now = this.currentAt;
    const offsets = this.spread(people.length, step.over ?? 0);
    people.forEach((person, i) => {
      this.whereabouts.set(person.card, step.to);
      const at = now + offsets[i]!;
      this.schedule(at, () => {
        const event = this.positioning.enter(person.card);
        this.log('pp-1', `entry card=${person.card} reader=${event.reader} seq=${event.seq}`);
      });
      if (station) this.schedule(at + TO_STATION_MS, () => this.seen(person.card, station.id));
      this.schedule(at + TO_STATION_MS + TO_WORK_LOCATION_MS, () => this.seen(person.card, target.id));
    });
  }

  private exit(step: Extract<ScenarioStep, { exit: unknown }>['exit']): void {
    const candidates = this.roster.filter((p) => {
      const where = this.whereabouts.get(p.card);
      return where !== undefined && (step.from === undefined || where === step.from) && (step.role === undefined || p.role === step.role) && (step.crew === undefined || p.crew === step.crew);
    });
    const count = step.count === 'all' ? candidates.length : step.count;
    if (candidates.length < count) throw new Error(`an exit step wants ${count} people matching ${JSON.stringify(step)} but only ${candidates.length} are underground`);
    const leaving = this.prng.shuffle(candidates).slice(0, count).sort((a, b) => a.card - b.card);
    const now = this.currentAt;
    const offsets = this.spread(leaving.length, step.over ?? 0);
    leaving.forEach((person, i) => {
      const where = this.whereabouts.get(person.card)!;
      this.whereabouts.delete(person.card);
      const station = this.layout.stationReaderFor(this.layout.readerAt(where).id);
      const at = now + offsets[i]!;
      if (station) this.schedule(at, () => this.seen(person.card, station.id));
      this.schedule(at + TO_SHAFT_HEAD_MS, () => {
        const event = this.positioning.exit(person.card);
        this.log('pp-1', `exit card=${person.card} reader=${event.reader} seq=${event.seq}`);
      });
    });
  }

  private seen(card: number, reader: number): void {
    this.positioning.seen(card, reader);
    this.log('pp-1', `seen card=${card} reader=${reader}`);
  }

  private emergencyCall(step: { count: number; on: boolean }): void {
    const underground = this.positioning.underground().filter((card) => this.positioning.card(card).emergencyCall !== step.on);
    if (underground.length < step.count) throw new Error(`an emergencyCall step wants ${step.count} people underground, ${underground.length} are`);
    for (const card of this.prng.shuffle(underground).slice(0, step.count).sort((a, b) => a - b)) {
      const event = this.positioning.emergencyCall(card, step.on);
      this.log('pp-1', `emergency call ${step.on ? 'on' : 'off'} card=${card} seq=${event?.seq ?? '-'}`);
    }
  }

  private point(deviceId: string, point: string, act: (device: { set(id: string, value: PointValue): void; release(id: string): void; stick(id: string): void }) => void, what: string): void {
    act(this.pointDevice(deviceId, point));
    this.log(deviceId, what);
  }

  /** A device whose points a step may pin: the safety-monitoring substation or any mapped device. */
  private pointDevice(deviceId: string, point: string) {
    if (deviceId === this.simulators.weather.id) return this.simulators.weather.model;
    const device = this.simulators.devices.get(deviceId);
    if (!device) throw new Error(`scenario step names device "${deviceId}", which is not running`);
    const model = device.model;
    if (!('set' in model) || !('release' in model)) throw new Error(`device "${deviceId}" (${device.system}) has no points to set; "${point}" cannot be pinned`);
    if (device.system === 'safety_monitoring') {
      const sm = deviceOf(this.simulators, deviceId, 'safety_monitoring').model;
      return {
        set: (id: string, value: PointValue) => (typeof value === 'number' ? sm.set(id as SensorId, value) : sm.set(id as 'main_fan_running', value)),
        release: (id: string) => sm.release(id as SensorId),
        stick: (id: string) => sm.set(id as SensorId, sm.read(id) as number),
      };
    }
    return model as { set(id: string, value: PointValue): void; release(id: string): void; stick(id: string): void };
  }

  private sensorFault(step: { device: string; sensor: string; on: boolean }): void {
    deviceOf(this.simulators, step.device, 'safety_monitoring').model.sensorFault(step.sensor as SensorId, step.on);
    this.log(step.device, `sensor fault ${step.sensor} ${step.on ? 'on' : 'off'}`);
  }

  private faultsOf(deviceId: string): UnitFaults {
    if (deviceId === this.simulators.weather.id) return this.simulators.weather.faults;
    if (deviceId === 'wx-1-ascii') return this.simulators.weather.asciiFaults;
    if (deviceId === 'led-1') return this.simulators.ledBoard.faults;
    const device = this.simulators.devices.get(deviceId);
    if (!device) throw new Error(`scenario step names device "${deviceId}", which is not running`);
    return device.faults;
  }

  private fault(step: Extract<ScenarioStep, { fault: unknown }>['fault']): void {
    const faults = this.faultsOf(step.device);
    const applied: string[] = [];
    if (step.silent !== undefined) applied.push(`silent=${(faults.silent = step.silent)}`);
    if (step.delayMs !== undefined) applied.push(`delayMs=${(faults.delayMs = step.delayMs)}`);
    if (step.exception !== undefined) applied.push(`exception=${String((faults.exception = step.exception))}`);
    if (step.corruptFraction !== undefined) applied.push(`corruptFraction=${(faults.corruptFraction = step.corruptFraction)}`);
    if (step.disconnect !== undefined) applied.push(`disconnect=${(faults.disconnect = step.disconnect)}`);
    this.log(step.device, `fault ${applied.join(' ')}`);
  }
}

/** "01:05:30" for a timeline offset. */
export function formatOffset(ms: number): string {
  const total = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}
