// The live stream. EventSource reconnects by itself after an error; the watchdog also catches the
// case it cannot see — a stream that stays open but goes silent (gateway hung, cable pulled) —
// by expecting a heartbeat and reopening when none comes. The page asks for patches: a full
// snapshot on connect, then each update with the people list as its changes only.
import { EventSource, setInterval, setTimeout } from './globals.js';
import { applyPatch } from './people-delta.js';

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

  // The last snapshot of this connection: patches are merged into it (people-delta.js).
  let current = null;

  const open = () => {
    current = null;
    source = new EventSource('/api/board/events?delta=people');
    source.addEventListener('hello', (event) => {
      heartbeatMs = JSON.parse(event.data).heartbeatMs;
      alive();
    });
    source.addEventListener('snapshot', (event) => {
      alive();
      current = JSON.parse(event.data);
      onSnapshot(current);
    });
    source.addEventListener('patch', (event) => {
      // The gateway sends a snapshot before any patch on a connection; without one, start over.
      if (current === null) {
        reopen();
        return;
      }
      alive();
      current = applyPatch(current, JSON.parse(event.data));
      onSnapshot(current);
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
