// The live stream. EventSource reconnects by itself after an error; the watchdog also catches the
// case it cannot see — a stream that stays open but goes silent (gateway hung, cable pulled) —
// by expecting a heartbeat and reopening when none comes.
import { EventSource, setInterval, setTimeout } from './globals.js';

const SILENCE_FACTOR = 2.5;
const REOPEN_DELAY_MS = 2_000;

/** onStatus gets 'connecting' | 'live' | 'down' | 'full'. */
export function connectLive({ onSnapshot, onStatus }) {
  let heartbeatMs = 5_000;
  let lastMessageAt = Date.now();
  let source = null;

  const alive = () => {
    lastMessageAt = Date.now();
    onStatus('live');
  };

  const open = () => {
    source = new EventSource('/api/board/events');
    source.addEventListener('hello', (event) => {
      heartbeatMs = JSON.parse(event.data).heartbeatMs;
      alive();
    });
    source.addEventListener('snapshot', (event) => {
      alive();
      onSnapshot(JSON.parse(event.data));
    });
    source.addEventListener('heartbeat', alive);
    source.addEventListener('full', () => onStatus('full'));
    source.addEventListener('error', () => {
      onStatus('down');
      // CONNECTING: the browser retries by itself. CLOSED: it gave up; start over.
      if (source.readyState === EventSource.CLOSED) setTimeout(reopen, REOPEN_DELAY_MS);
    });
  };

  const reopen = () => {
    source?.close();
    lastMessageAt = Date.now();
    open();
  };

  setInterval(() => {
    if (Date.now() - lastMessageAt > heartbeatMs * SILENCE_FACTOR) {
      onStatus('down');
      reopen();
    }
  }, 1_000);
  open();
}
