// Counts per area / level / shift, the systems' health row and the uplink. Each system chip says
// its state in words (正常 / 数据超时 / 故障 / 未知), with the age of its last good data.
import { byId, el, replaceChildren } from './dom.js';
import { count, duration, quotaLevel } from './format.js';
import { pick, t } from './i18n.js';

function countRows(scopes, lang) {
  return scopes.map((scope) => {
    const level = quotaLevel(scope.now, scope.quota);
    return el(
      'tr',
      { class: `level-${level}${scope.current ? ' current' : ''}` },
      el('th', { scope: 'row' }, scope.name, scope.current ? ` · ${t(lang, 'currentShift')}` : ''),
      el('td', { class: 'num' }, count(lang, scope.now), scope.quota === null ? '' : el('span', { class: 'muted' }, ` / ${scope.quota}`)),
      el('td', { class: 'flag' }, level === 'over' ? t(lang, 'overQuota') : level === 'at' ? t(lang, 'atQuota') : ''),
    );
  });
}

export function renderBreakdown(snapshot, lang) {
  replaceChildren(byId('areas'), countRows(snapshot.headcount.areas, lang));
  replaceChildren(byId('levels'), countRows(snapshot.headcount.levels, lang));
  replaceChildren(byId('shifts'), countRows(snapshot.headcount.shifts, lang));
}

export function renderSystems(snapshot, lang, serverNow) {
  replaceChildren(
    byId('systems'),
    snapshot.systems.map((system) => {
      const age = system.lastGoodAt === null ? null : serverNow - system.lastGoodAt;
      const detail = system.detail ? pick(lang, system.detail) : system.status !== 'ok' && age !== null ? duration(lang, age) : '';
      return el(
        'li',
        { class: `system status-${system.status}`, 'data-system': system.id },
        el('span', { class: 'system-name' }, t(lang, `system_${system.id}`)),
        el('span', { class: 'system-status' }, `${system.status === 'ok' ? '●' : '▲'} ${t(lang, `status_${system.status}`)}`),
        detail ? el('span', { class: 'system-detail' }, detail) : null,
      );
    }),
  );
}

export function renderUplink(snapshot, lang, serverNow) {
  const { connected, backlogRows, oldestBacklogAt } = snapshot.uplink;
  const state = connected === null ? t(lang, 'unknown') : t(lang, connected ? 'uplinkUp' : 'uplinkDown');
  const backlog = `${t(lang, 'backlog')} ${count(lang, backlogRows)} ${t(lang, 'rows')}`;
  const oldest = oldestBacklogAt === null ? '' : ` · ${t(lang, 'oldest')} ${duration(lang, serverNow - oldestBacklogAt)}`;
  const node = byId('uplink');
  node.className = `uplink ${connected === false ? 'down' : connected === null ? 'unknown' : 'up'}`;
  replaceChildren(node, [el('strong', {}, `${t(lang, 'uplink')}: ${state}`), el('span', {}, ` · ${backlog}${oldest}`)]);
}
