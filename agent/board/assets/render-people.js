// Who is underground: a table sorted by a click on any column (again to reverse), scrolling
// inside its panel. Unknown values are written out ("未登记", "无入井记录"), never left blank.
import { byId, el, replaceChildren } from './dom.js';
import { clock, duration } from './format.js';
import { t } from './i18n.js';

const COLUMNS = ['name', 'card', 'crew', 'role', 'enteredAt', 'location', 'level', 'status'];
const sort = { column: 'enteredAt', ascending: true };

function sortValue(person, column) {
  switch (column) {
    case 'enteredAt':
      return person.enteredAt ?? -Infinity;
    case 'location':
      return person.location.workLocation ?? person.location.zone ?? '';
    case 'level':
      return person.location.level ?? '';
    case 'status':
      return Number(person.signalLost) * 2 + Number(person.overtime);
    default:
      return person[column] ?? '';
  }
}

function compare(a, b) {
  const x = sortValue(a, sort.column);
  const y = sortValue(b, sort.column);
  const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'zh-CN');
  return sort.ascending ? order : -order;
}

export function renderPeople(snapshot, lang, serverNow, levelNames, rerender) {
  const head = COLUMNS.map((column) => {
    const active = sort.column === column;
    const th = el(
      'th',
      { scope: 'col', 'aria-sort': active ? (sort.ascending ? 'ascending' : 'descending') : 'none', 'data-column': column },
      el('button', { type: 'button' }, t(lang, `col_${column}`), active ? (sort.ascending ? ' ▲' : ' ▼') : ''),
    );
    th.firstChild.addEventListener('click', () => {
      sort.ascending = sort.column === column ? !sort.ascending : true;
      sort.column = column;
      rerender();
    });
    return th;
  });
  replaceChildren(byId('people-head'), head);
  const rows = [...snapshot.people].sort(compare).map((person) => {
    const status = [];
    if (person.signalLost) status.push(el('span', { class: 'tag warn' }, t(lang, 'signalLost')));
    if (person.overtime) status.push(el('span', { class: 'tag warn' }, t(lang, 'overtime')));
    if (status.length === 0) status.push(el('span', { class: 'tag' }, t(lang, 'ok')));
    const entered =
      person.enteredAt === null ? t(lang, 'noEntry') : `${clock(person.enteredAt)} (${duration(lang, serverNow - person.enteredAt)})`;
    return el(
      'tr',
      { class: person.signalLost || person.overtime ? 'flagged' : null },
      el('td', {}, person.name ?? el('em', {}, t(lang, 'notOnRoster'))),
      el('td', { class: 'mono' }, person.card),
      el('td', {}, person.crew ?? '—'),
      el('td', {}, person.role ? t(lang, `role_${person.role}`) : '—'),
      el('td', {}, entered),
      el('td', {}, person.location.workLocation ?? person.location.zone ?? t(lang, 'unknownLocation')),
      el('td', {}, levelNames.get(person.location.level) ?? person.location.level ?? '—'),
      el('td', {}, status),
    );
  });
  replaceChildren(byId('people-body'), rows);
}
