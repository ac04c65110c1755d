import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveUpdates, type LiveClient } from '../../agent/board/live-updates.js';

interface FakeClient extends LiveClient {
  frames: string[];
  closed: boolean;
  backlog: number;
  hangUp(): void;
}

function fakeClient(): FakeClient {
  let onClose: () => void = () => {};
  const client: FakeClient = {
    frames: [],
    closed: false,
    backlog: 0,
    write: (frame) => void client.frames.push(frame),
    buffered: () => client.backlog,
    close: () => {
      client.closed = true;
      onClose();
    },
    onClose: (listener) => void (onClose = listener),
    hangUp: () => onClose(),
  };
  return client;
}

const options = { maxClients: 2, heartbeatMs: 1_000, maxBufferedBytes: 1_000, minIntervalMs: 100 };

describe('board live updates (SSE)', () => {
  let live: LiveUpdates | null = null;
  afterEach(() => {
    live?.close();
    vi.useRealTimers();
  });

  it('sends a snapshot on connect and bounds the number of clients', () => {
    live = new LiveUpdates(() => '{"n":1}', options);
    const [a, b, c] = [fakeClient(), fakeClient(), fakeClient()];
    expect(live.accept(a)).toBe(true);
    expect(live.accept(b)).toBe(true);
    expect(live.accept(c)).toBe(false);
    expect(a.frames.join('')).toContain('event: snapshot\ndata: {"n":1}\n\n');
    expect(live.stats()).toMatchObject({ clients: 2, accepted: 2, refused: 1 });
    a.hangUp();
    expect(live.stats().clients).toBe(1);
    expect(live.accept(c)).toBe(true); // a freed place is taken again
  });

  it('coalesces a burst of changes into one snapshot, built once for all clients', () => {
    vi.useFakeTimers();
    let builds = 0;
    live = new LiveUpdates(() => JSON.stringify({ build: ++builds }), options);
    const [a, b] = [fakeClient(), fakeClient()];
    live.accept(a);
    live.accept(b);
    const buildsAfterConnect = builds;
    for (let i = 0; i < 50; i += 1) live.notifyChange();
    vi.advanceTimersByTime(150);
    expect(builds).toBe(buildsAfterConnect + 1);
    expect(a.frames.at(-1)).toBe(b.frames.at(-1));
  });

  it('drops a client that does not read, without touching the others', () => {
    vi.useFakeTimers();
    live = new LiveUpdates(() => '{}', options);
    const [slow, fast] = [fakeClient(), fakeClient()];
    live.accept(slow);
    live.accept(fast);
    slow.backlog = 5_000;
    live.notifyChange();
    vi.advanceTimersByTime(150);
    expect(slow.closed).toBe(true);
    expect(fast.closed).toBe(false);
    expect(live.stats()).toMatchObject({ clients: 1, dropped: 1 });
  });

  it('sends heartbeats, and a failing snapshot builder keeps clients on the previous one', () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let fail = false;
    live = new LiveUpdates(() => {
      if (fail) throw new Error('engine broke');
      return '{}';
    }, options, (error) => errors.push(error));
    const client = fakeClient();
    live.accept(client);
    vi.advanceTimersByTime(1_000);
    expect(client.frames.at(-1)).toMatch(/^event: heartbeat\n/);
    fail = true;
    live.notifyChange();
    vi.advanceTimersByTime(150);
    expect(errors).toHaveLength(1);
    expect(client.closed).toBe(false);
  });
});
