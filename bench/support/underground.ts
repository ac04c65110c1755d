/**
 * 500 people underground in the simulated mine, through the positioning substation pp-1 (the
 * simulator's model; the agent only sees its registers): a bench copy of the shipped roster whose
 * training dates are moved into the future, the first 500 eligible people in roster order (crews
 * C01–C14, every crew with its leader) entering at the shaft-head reader at a pace the event FIFO
 * holds, each crew going on to one zone, no rule broken; then light churn while measured:
 * people walking between their work zone and their level's landing, and now and then someone
 * leaving and coming back down.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../agent/runtime/package-info.js';
import type { PersonnelPositioningSubstation } from '../../simulators/devices/personnel-positioning.js';
import { formatRoster, parseRoster, ROSTER_PATH, trainingValidOn, type Person } from '../../simulators/data/roster.js';

export const UNDERGROUND_PEOPLE = 500;
const MINE_UTC_OFFSET_MS = 480 * 60_000;

/**
 * Crew → the zone it works in (zone ids are reader ids in layout.yaml). Three production levels
 * (measure 14 allows fewer than 4), one crew in the risk area RA-350E (zone 42), none in RA-400W.
 */
const CREW_ZONE: Record<string, number> = {
  C01: 22, C02: 23, C03: 32, C04: 33, C05: 43, C06: 42, C07: 21,
  C08: 31, C09: 10, C10: 10, C11: 41, C12: 21, C13: 31, C14: 10, C15: 10, C16: 10,
};
/** Work zone → the landing (马头门) of its level: people walk there and back within the level. */
const LANDING: Record<number, number> = { 22: 21, 23: 21, 32: 31, 33: 31, 42: 41, 43: 41 };

/** Quotas with room above the placement (area and level counts move by the churn). */
export const BENCH_QUOTAS = {
  mine: 600,
  shift: 550,
  areas: { shaft: 330, east: 170, west: 170 },
  levels: { 'L-200': 130, 'L-250': 200, 'L-300': 200, 'L-350': 160 },
};

export function localDate(now: number): string {
  return new Date(now + MINE_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * The shipped roster with every training date from 2025 on moved forward by whole years, so the
 * people the generator made valid are valid today (the shipped dates age with the wall clock);
 * the deliberately expired, untrained and labour-dispatch people stay as they are.
 */
export function writeBenchRoster(dir: string, now = Date.now()): { path: string; people: Person[]; shiftedYears: number } {
  const shipped = parseRoster(readFileSync(join(packageRoot(), ROSTER_PATH), 'utf8'));
  const year = Number(localDate(now).slice(0, 4));
  const shiftedYears = Math.max(0, year + 1 - 2025);
  const people = shipped.map((p) => {
    const until = p.trainingValidUntil;
    if (until === null || until < '2025-01-01') return p;
    return { ...p, trainingValidUntil: `${Number(until.slice(0, 4)) + shiftedYears}${until.slice(4)}` };
  });
  const path = join(dir, 'roster.csv');
  writeFileSync(path, formatRoster(people));
  return { path, people, shiftedYears };
}

export function eligibleToday(people: readonly Person[], now = Date.now()): Person[] {
  const today = localDate(now);
  return people.filter((p) => p.employerType !== 'labour_dispatch' && trainingValidOn(p, today));
}

export interface UndergroundStats {
  entries: number;
  exits: number;
  moves: number;
}

export class Underground {
  readonly stats: UndergroundStats = { entries: 0, exits: 0, moves: 0 };
  private readonly home = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private churnTimer: NodeJS.Timeout | null = null;
  private tick = 0;

  constructor(
    private readonly substation: PersonnelPositioningSubstation,
    private readonly people: readonly Person[],
  ) {
    for (const person of people) this.home.set(person.card, CREW_ZONE[person.crew] ?? 10);
  }

  /** Every person enters and goes to the crew's zone, `perSecond` at most (the FIFO holds 256 events). */
  async enterAll(perSecond: number): Promise<void> {
    const batch = Math.max(1, Math.round(perSecond / 10));
    for (let i = 0; i < this.people.length; i += batch) {
      for (const person of this.people.slice(i, i + batch)) {
        this.substation.enter(person.card);
        this.substation.seen(person.card, this.home.get(person.card)!);
        this.stats.entries++;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Every second 10 people working at a work location walk to their level's landing, and the 10
   * of the second before walk back (so at most 10 are away: no quota moves); every 5 s one person
   * leaves through the exit reader and comes back down 2 s later.
   */
  startChurn(): void {
    const walkers = this.people.filter((p) => LANDING[this.home.get(p.card)!] !== undefined);
    let away: Person[] = [];
    this.churnTimer = setInterval(() => {
      this.tick++;
      for (const person of away) this.walk(person, this.home.get(person.card)!);
      away = [];
      for (let k = 0; k < 10 && walkers.length > 0; k++) {
        const person = walkers[(this.tick * 10 + k) % walkers.length]!;
        if (this.walk(person, LANDING[this.home.get(person.card)!]!)) away.push(person);
      }
      if (this.tick % 5 === 0) {
        const person = this.people[(this.tick * 7) % this.people.length]!;
        if (away.includes(person) || !this.substation.card(person.card).underground) return;
        this.substation.exit(person.card);
        this.stats.exits++;
        const back = setTimeout(() => {
          this.timers.delete(back);
          this.substation.enter(person.card);
          this.substation.seen(person.card, this.home.get(person.card)!);
          this.stats.entries++;
        }, 2000);
        this.timers.add(back);
      }
    }, 1000);
  }

  private walk(person: Person, zone: number): boolean {
    if (!this.substation.card(person.card).underground) return false;
    this.substation.seen(person.card, zone);
    this.stats.moves++;
    return true;
  }

  stop(): void {
    if (this.churnTimer) clearInterval(this.churnTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
