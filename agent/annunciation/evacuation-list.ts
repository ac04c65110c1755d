/**
 * The evacuation list (measure 28): everyone underground, grouped by where they were last heard,
 * named — unknown cards included, since a card not on the roster is still a person underground.
 */
import type { HeadcountView } from '../headcount/headcount-view.js';
import type { MineLayout } from '../people/mine-layout.js';
import { personRef, type PersonRef } from '../rules/rule-types.js';
import { compareText } from '../model/compare-text.js';

export interface EvacuationGroup {
  /** Work location or zone name; "位置未知" when the card was never heard underground. */
  location: string;
  people: PersonRef[];
}

export function evacuationList(view: HeadcountView, layout: MineLayout): EvacuationGroup[] {
  const groups = new Map<string, PersonRef[]>();
  for (const entry of view.people) {
    const ref = personRef(entry, layout);
    const location = ref.location ?? '位置未知 unknown';
    const list = groups.get(location);
    if (list) list.push(ref);
    else groups.set(location, [ref]);
  }
  return [...groups.entries()]
    .map(([location, people]) => ({ location, people: people.sort((a, b) => compareText(a.card, b.card)) }))
    .sort((a, b) => b.people.length - a.people.length || compareText(a.location, b.location));
}
