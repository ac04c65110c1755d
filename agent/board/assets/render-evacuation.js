// During an evacuation the list of everyone underground, by last known location, covers the
// whole screen: it is the one thing the shaft head needs then.
import { byId, el, replaceChildren } from './dom.js';
import { clock } from './format.js';
import { pick, t } from './i18n.js';

export function renderEvacuation(snapshot, lang) {
  const overlay = byId('evacuation');
  const evacuation = snapshot.evacuation;
  overlay.hidden = !evacuation.active;
  if (!evacuation.active) return;
  byId('evacuation-title').textContent = `⚠ ${t(lang, 'evacuation')} ${clock(evacuation.since)}`;
  byId('evacuation-reason').textContent = pick(lang, evacuation.reason);
  byId('evacuation-count').textContent = t(lang, 'evacuationCount', { n: evacuation.people.length });
  const groups = new Map();
  for (const person of evacuation.people) {
    const place = person.location ?? t(lang, 'unknownLocation');
    if (!groups.has(place)) groups.set(place, []);
    groups.get(place).push(person);
  }
  replaceChildren(
    byId('evacuation-groups'),
    [...groups.entries()].map(([place, people]) =>
      el(
        'section',
        { class: 'evacuation-group' },
        el('h2', {}, `${place} (${people.length})`),
        el('ul', {}, people.map((person) => el('li', {}, person.name ?? `${t(lang, 'notOnRoster')} ${person.card}`, person.crew ? el('small', {}, ` ${person.crew}`) : null))),
      ),
    ),
  );
}
