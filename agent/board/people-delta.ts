/**
 * The board's people list as a change set. With 500 people underground the list is nearly all of
 * a snapshot (~110 of ~115 KB of JSON), yet between two updates only the few who entered, left,
 * moved or changed status differ. A screen that asks for it (live-updates.ts, `?delta=people`)
 * gets the full snapshot once and then patches: every other part of the snapshot in full, and the
 * people list as the cards to drop and the people to add or replace. The page's merge is
 * assets/people-delta.js; the unit tests run both over the same changes.
 */

/** A list entry with its key; for the board a BoardPerson (the card is unique underground). */
export interface Keyed {
  card: string;
}

export interface PeopleDelta<P extends Keyed> {
  /** Entries that are new or differ in any field from the last ones sent, whole. */
  upsert: P[];
  /** Cards no longer in the list. */
  remove: string[];
}

/**
 * What changed from `base` (the list last sent, by card) to `people`; `base` becomes `people`'s
 * (updated in place: no new map per update). Entries are compared field by field (sameJson), so a
 * field added to BoardPerson later is compared too, without anyone remembering to add it here.
 *
 * An unchanged person keeps the entry already in `base`: `base` lives from one update to the next,
 * and holding the new (equal) objects instead would move all 500 into the old generation at every
 * update, only to be collected there — only the few that changed are kept.
 */
export function diffPeople<P extends Keyed>(base: Map<string, P>, people: readonly P[]): PeopleDelta<P> {
  const before = base.size;
  let kept = 0;
  const upsert: P[] = [];
  for (const person of people) {
    const last = base.get(person.card);
    if (last !== undefined) kept++;
    if (last !== undefined && sameJson(last, person)) continue;
    upsert.push(person);
    base.set(person.card, person);
  }
  const remove: string[] = [];
  if (kept !== before) {
    // Someone left (the usual case has nobody): drop the cards the new list does not have.
    const present = new Set<string>();
    for (const person of people) present.add(person.card);
    for (const card of base.keys()) {
      if (present.has(card)) continue;
      remove.push(card);
      base.delete(card);
    }
  }
  return { upsert, remove };
}

export function byCard<P extends Keyed>(people: readonly P[]): Map<string, P> {
  const map = new Map<string, P>();
  for (const person of people) map.set(person.card, person);
  return map;
}

/**
 * Deep equality of JSON-like values, as JSON.stringify would tell (a property whose value is
 * undefined counts as absent). Allocates nothing for plain objects of a fixed shape.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const key in x) {
    if (!Object.hasOwn(x, key) || x[key] === undefined) continue;
    keys++;
    if (!Object.hasOwn(y, key) || !sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (Object.hasOwn(y, key) && y[key] !== undefined) keys--;
  return keys === 0;
}
