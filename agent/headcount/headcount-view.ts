/**
 * The headcount joined with the roster, the layout and the shift schedule, counted per mine, shift,
 * area, work location, level and crew in one pass. This is what the rules read.
 */
import type { MineLayout, ZonePlace } from '../people/mine-layout.js';
import type { Person } from '../people/person.js';
import type { Roster } from '../people/roster.js';
import type { ShiftOccurrence, ShiftSchedule } from '../people/shift-schedule.js';
import type { HeadcountState, UndergroundPerson } from './headcount-state.js';

export interface PersonUnderground {
  record: UndergroundPerson;
  /** null: the card is not on the roster (still counted). */
  person: Person | null;
  /** The shift this stay belongs to; null when neither the roster nor an entry time tells. */
  shift: ShiftOccurrence | null;
  place: ZonePlace | null;
  /** Crew id, or null when unknown. */
  crew: string | null;
}

export interface HeadcountView {
  people: PersonUnderground[];
  total: number;
  byShift: Map<string, PersonUnderground[]>;
  byArea: Map<string, PersonUnderground[]>;
  byWorkLocation: Map<string, PersonUnderground[]>;
  byLevel: Map<string, PersonUnderground[]>;
  byCrew: Map<string, PersonUnderground[]>;
  byRiskArea: Map<string, PersonUnderground[]>;
}

/** Cards of unknown shift are grouped under this id; shift rules treat it as its own shift. */
export const UNKNOWN_SHIFT = '?';

export function buildHeadcountView(state: Readonly<HeadcountState>, roster: Roster, layout: MineLayout, schedule: ShiftSchedule): HeadcountView {
  const view: HeadcountView = {
    people: [],
    total: 0,
    byShift: new Map(),
    byArea: new Map(),
    byWorkLocation: new Map(),
    byLevel: new Map(),
    byCrew: new Map(),
    byRiskArea: new Map(),
  };
  for (const record of Object.values(state.underground)) {
    const person = roster.get(record.card) ?? null;
    const shift = shiftOfStay(record, person, schedule);
    const place = record.zone === null ? null : (layout.place(record.zone) ?? null);
    const entry: PersonUnderground = { record, person, shift, place, crew: person?.crew ?? null };
    view.people.push(entry);
    add(view.byShift, shift?.shiftId ?? UNKNOWN_SHIFT, entry);
    if (place?.area) add(view.byArea, place.area, entry);
    if (place?.workLocation) add(view.byWorkLocation, place.workLocation, entry);
    if (place?.level) add(view.byLevel, place.level, entry);
    if (place?.riskArea) add(view.byRiskArea, place.riskArea, entry);
    if (entry.crew) add(view.byCrew, entry.crew, entry);
  }
  view.total = view.people.length;
  return view;
}

/** A person found underground without an entry has no entry time: their shift is the one their card was heard in. */
export function shiftOfStay(record: UndergroundPerson, person: Person | null, schedule: ShiftSchedule): ShiftOccurrence | null {
  const at = record.enteredAt ?? record.lastSeenAt;
  if (at === null) return null;
  if (person?.shift) return schedule.occurrenceOf(person.shift, at) ?? schedule.shiftForEntry(at);
  return schedule.shiftForEntry(at);
}

function add(map: Map<string, PersonUnderground[]>, key: string, entry: PersonUnderground): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

/** For HeadcountTracker.review: when a stay's shift ends, from the roster and the schedule. */
export function shiftEndResolver(roster: Roster, schedule: ShiftSchedule): (record: UndergroundPerson) => number | null {
  return (record) => shiftOfStay(record, roster.get(record.card) ?? null, schedule)?.endsAt ?? null;
}
