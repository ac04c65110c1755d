// The alarm list, unacknowledged first, then by severity and age. Each row says its severity and
// state in words; the acknowledge button opens the PIN dialog.
import { byId, el, replaceChildren } from './dom.js';
import { clock } from './format.js';
import { pick, t } from './i18n.js';

const STATE_ORDER = { active_unacked: 0, cleared_unacked: 1, active_acked: 2 };
const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2, low: 3 };

export function renderAlarms(snapshot, lang, onAcknowledge) {
  const alarms = [...snapshot.alarms].sort(
    (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.since - b.since,
  );
  const list = byId('alarm-list');
  if (alarms.length === 0) {
    replaceChildren(list, [el('li', { class: 'none' }, `✔ ${t(lang, 'noAlarms')}`)]);
    return;
  }
  replaceChildren(
    list,
    alarms.map((alarm) => {
      const needsAck = alarm.state !== 'active_acked';
      const button = needsAck ? el('button', { type: 'button', class: 'ack' }, t(lang, 'acknowledge')) : null;
      if (button) button.addEventListener('click', () => onAcknowledge(alarm));
      const names = alarm.people.map((person) => person.name ?? `${t(lang, 'col_card')} ${person.card}`).join('、');
      return el(
        'li',
        { class: `alarm sev-${alarm.severity} ${alarm.state}`, 'data-alarm-key': alarm.key, 'data-state': alarm.state },
        el('span', { class: 'severity' }, t(lang, `severity_${alarm.severity}`)),
        el(
          'div',
          { class: 'alarm-text' },
          el('div', { class: 'message' }, pick(lang, alarm.message)),
          el(
            'div',
            { class: 'meta' },
            `${t(lang, `state_${alarm.state}`)} · ${t(lang, 'since')} ${clock(alarm.since)}`,
            names ? ` · ${names}` : '',
            alarm.acknowledgedBy ? ` · ${t(lang, 'acknowledgedBy')} ${alarm.acknowledgedBy}` : '',
          ),
        ),
        button,
      );
    }),
  );
}
