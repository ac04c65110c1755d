// The shaft-head board: keeps the latest snapshot, renders it in the chosen language and says
// plainly when the data is no longer live. All times on the page are measured against the
// gateway's clock (offset taken from each snapshot), not the screen's.
import { byId } from './dom.js';
import { clock, duration } from './format.js';
import { document, setInterval } from './globals.js';
import { initialLang, pick, rememberLang, t } from './i18n.js';
import { connectLive } from './live.js';
import { installPinDialog, openPinDialog } from './pin-dialog.js';
import { renderAlarms } from './render-alarms.js';
import { renderEvacuation } from './render-evacuation.js';
import { renderPeople } from './render-people.js';
import { renderBreakdown, renderSystems, renderUplink } from './render-status.js';
import { renderBanners, renderDuty, renderHeadcount, renderPermit } from './render-summary.js';

const board = { lang: initialLang(), snapshot: null, clockOffsetMs: 0, connection: 'connecting' };

const serverNow = () => Date.now() + board.clockOffsetMs;
const manualBanOn = () => board.snapshot?.ban.sources.some((source) => source.kind === 'manual') ?? false;

function renderStaticText() {
  const lang = board.lang;
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `${t(lang, 'title')} · shaftgate`;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(lang, node.dataset.i18n);
  byId('lang-switch').textContent = t(lang, 'switchLang');
}

function renderConnection() {
  const lang = board.lang;
  const status = byId('connection');
  const live = board.connection === 'live';
  const words = { live: `● ${t(lang, 'live')}`, full: t(lang, 'boardFull'), down: t(lang, 'disconnected'), connecting: t(lang, 'connecting') };
  status.textContent = words[board.connection] ?? t(lang, 'connecting');
  status.dataset.state = board.connection;
  document.body.classList.toggle('stale', !live && board.snapshot !== null);
  document.body.classList.toggle('connecting', board.snapshot === null);
  const banner = byId('stale-banner');
  banner.hidden = live || board.snapshot === null;
  if (!banner.hidden) {
    const at = board.snapshot.at;
    banner.textContent = `⚠ ${t(lang, 'stale', { time: clock(at, true), age: duration(lang, serverNow() - at) })}`;
  }
  byId('clock').textContent = clock(serverNow(), true);
}

function render() {
  renderStaticText();
  renderConnection();
  const snapshot = board.snapshot;
  if (snapshot === null) return;
  const lang = board.lang;
  byId('mine-name').textContent = snapshot.mineName;
  byId('gateway-name').textContent = snapshot.gatewayName;
  renderHeadcount(snapshot, lang);
  renderPermit(snapshot, lang, manualBanOn(), board.connection === 'live');
  renderDuty(snapshot, lang);
  renderBanners(snapshot, lang);
  renderAlarms(snapshot, lang, (alarm) =>
    openPinDialog(lang, { path: '/api/board/ack', body: { key: alarm.key }, title: t(lang, 'pinTitleAck'), subject: pick(lang, alarm.message), withReason: false }),
  );
  renderBreakdown(snapshot, lang);
  const levelNames = new Map(snapshot.headcount.levels.map((level) => [level.id, level.name]));
  renderPeople(snapshot, lang, serverNow(), levelNames, render);
  renderSystems(snapshot, lang, serverNow());
  renderUplink(snapshot, lang, serverNow());
  renderEvacuation(snapshot, lang);
}

byId('lang-switch').addEventListener('click', () => {
  board.lang = board.lang === 'zh' ? 'en' : 'zh';
  rememberLang(board.lang);
  render();
});

byId('manual-ban').addEventListener('click', () => {
  const on = !manualBanOn();
  const lang = board.lang;
  openPinDialog(lang, { path: '/api/board/ban', body: { on }, title: t(lang, on ? 'pinTitleBanOn' : 'pinTitleBanOff'), subject: '', withReason: on });
});

installPinDialog(() => board.lang, () => render());

connectLive({
  onSnapshot: (snapshot) => {
    board.snapshot = snapshot;
    board.clockOffsetMs = snapshot.at - Date.now();
    board.connection = 'live';
    render();
  },
  onStatus: (status) => {
    if (status === board.connection) return;
    board.connection = status;
    render();
  },
});

// The clock and the "data from … ago" line move even when nothing else does.
setInterval(renderConnection, 1_000);
render();
