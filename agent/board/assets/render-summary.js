// The top of the board: headcount against quota, the entry permit, the duty leader, ban and
// suspension banners. The words always say the state; colour only repeats it.
import { byId, el, replaceChildren } from './dom.js';
import { count, clock, quotaLevel } from './format.js';
import { pick, t } from './i18n.js';

const LEVEL_TEXT = { ok: 'underQuota', at: 'atQuota', over: 'overQuota', unknown: 'countUnknown' };

export function renderHeadcount(snapshot, lang) {
  const { now, quota } = snapshot.headcount.mine;
  const level = quotaLevel(now, quota);
  byId('headcount-now').textContent = count(lang, now);
  byId('headcount-quota').textContent = quota === null ? t(lang, 'noQuota') : `${t(lang, 'quota')} ${quota}`;
  const status = byId('headcount-status');
  status.textContent = quota === null && level === 'ok' ? '' : t(lang, LEVEL_TEXT[level]);
  byId('headcount-now').closest('.hero').dataset.level = level;
}

/**
 * When the live stream is gone the permit is not known any more: the board says so instead of
 * showing a greyed "准许入井" someone across the room could still read as permission.
 */
export function renderPermit(snapshot, lang, manualBanOn, live) {
  const { permitted, reasons, since } = snapshot.permit;
  const state = byId('permit-state');
  const panel = state.closest('.permit');
  const lastKnown = `${t(lang, permitted ? 'permitted' : 'notPermitted')}`;
  if (live) {
    state.textContent = `${permitted ? '✔ ' : '✖ '}${lastKnown}`;
    panel.dataset.permitted = String(permitted);
    replaceChildren(byId('permit-reasons'), reasons.map((reason) => el('li', {}, pick(lang, reason))));
    byId('permit-since').textContent = since === null ? '' : `${t(lang, 'since')} ${clock(since)}`;
  } else {
    state.textContent = `? ${t(lang, 'permitUnknown')}`;
    panel.dataset.permitted = 'unknown';
    replaceChildren(byId('permit-reasons'), []);
    byId('permit-since').textContent = `${t(lang, 'lastKnown')}: ${lastKnown} (${clock(snapshot.at, true)})`;
  }
  byId('manual-ban').textContent = t(lang, manualBanOn ? 'manualBanOff' : 'manualBanOn');
}

export function renderDuty(snapshot, lang) {
  const shifts = [...snapshot.duty].sort((a, b) => Number(b.current) - Number(a.current));
  replaceChildren(
    byId('duty'),
    shifts.map((shift) =>
      el(
        'div',
        { class: shift.current ? 'duty-shift current' : 'duty-shift' },
        el('span', { class: 'shift-name' }, shift.shiftName, shift.current ? ` · ${t(lang, 'currentShift')}` : ''),
        shift.leaders.length === 0
          ? el('span', { class: 'leader missing' }, `⚠ ${t(lang, 'noLeader')}`)
          : shift.leaders.map((leader) =>
              el('span', { class: 'leader' }, leader.name, el('small', {}, ` ${t(lang, leader.underground ? 'leaderUnderground' : 'leaderSurface')}`)),
            ),
      ),
    ),
  );
}

export function renderBanners(snapshot, lang) {
  const ban = byId('ban-banner');
  ban.hidden = !snapshot.ban.active;
  if (snapshot.ban.active) {
    const sources = snapshot.ban.sources.map(
      (source) => `${t(lang, `banSource_${source.kind}`)}：${pick(lang, source.detail)}${source.by ? ` (${source.by})` : ''} ${t(lang, 'since')} ${clock(source.since)}`,
    );
    replaceChildren(ban, [el('strong', {}, `✖ ${t(lang, 'banOn')}`), ...sources.map((text) => el('span', {}, text))]);
  }
  const suspension = byId('suspension-banner');
  const s = snapshot.suspension;
  suspension.hidden = !s.active;
  if (s.active) {
    const caps = t(lang, 'suspensionCaps', { shift: count(lang, s.maxPerShift), location: count(lang, s.maxPerWorkLocation) });
    replaceChildren(suspension, [
      el('strong', {}, `⚠ ${t(lang, 'suspension')}`),
      el('span', {}, caps),
      s.orderRef ? el('span', { class: 'muted' }, `${t(lang, 'order')} ${s.orderRef}`) : null,
    ]);
  }
}
