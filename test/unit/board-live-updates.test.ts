import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveUpdates, type LiveClient, type LiveMode, type LiveSnapshot } from '../../agent/board/live-updates.js';
import { diffPeople, sameJson } from '../../agent/board/people-delta.js';
// The page's own merge, run here over the same patches the server sends.
import { applyPatch } from '../../agent/board/assets/people-delta.js';

interface FakeClient extends LiveClient {
  /** As text, and as written (a snapshot frame is one Buffer shared by every client). */
  frames: string[];
  raw: Array<string | Buffer>;
  closed: boolean;
  backlog: number;
  hangUp(): void;
}

function fakeClient(): FakeClient {
  let onClose: () => void = () => {};
  const client: FakeClient = {
    frames: [],
    raw: [],
    closed: false,
    backlog: 0,
    write: (frame) => {
      client.raw.push(frame);
      client.frames.push(frame.toString());
    },
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

/** The events a client received, parsed: [event, data]. */
function events(client: FakeClient): Array<[string, unknown]> {
  return client.frames.flatMap((frame) => {
    const event = /^event: (\w+)$/m.exec(frame)?.[1];
    const data = /^data: (.*)$/m.exec(frame)?.[1];
    return event && data !== undefined ? [[event, JSON.parse(data) as unknown] as [string, unknown]] : [];
  });
}

/** What a page holds after replaying everything it received, as the page does (assets/live.js). */
function pageState(client: FakeClient): Snapshot | null {
  let current: Snapshot | null = null;
  for (const [event, data] of events(client)) {
    if (event === 'snapshot') current = data as Snapshot;
    if (event === 'patch') current = applyPatch<Snapshot>(current!, data as never);
  }
  return current;
}

interface Person {
  card: string;
  name: string;
  zone: string | null;
  flags: { overtime: boolean };
}
interface Snapshot extends LiveSnapshot {
  at: number;
  headcount: number;
  people: Person[];
}

const byCardOrder = (s: Snapshot | null) => (s === null ? null : { ...s, people: [...s.people].sort((a, b) => a.card.localeCompare(b.card)) });

const options = { maxClients: 3, heartbeatMs: 1_000, maxBufferedBytes: 1_000, minIntervalMs: 100 };

describe('board live updates (SSE)', () => {
  let live: LiveUpdates<Snapshot> | null = null;
  afterEach(() => {
    live?.close();
    vi.useRealTimers();
  });

  const state = (n: number): Snapshot => ({ at: n, headcount: n, people: [] });

  it('sends a snapshot on connect and bounds the number of clients', () => {
    live = new LiveUpdates(() => state(1), { ...options, maxClients: 2 });
    const [a, b, c] = [fakeClient(), fakeClient(), fakeClient()];
    expect(live.accept(a)).toBe(true);
    expect(live.accept(b)).toBe(true);
    expect(live.accept(c)).toBe(false);
    expect(a.frames.join('')).toContain('event: snapshot\ndata: {"at":1,"headcount":1,"people":[]}\n\n');
    expect(live.stats()).toMatchObject({ clients: 2, accepted: 2, refused: 1 });
    a.hangUp();
    expect(live.stats().clients).toBe(1);
    expect(live.accept(c)).toBe(true); // a freed place is taken again
  });

  it('coalesces a burst of changes into one snapshot, built once for all clients', () => {
    vi.useFakeTimers();
    let builds = 0;
    live = new LiveUpdates(() => state(++builds), options);
    const [a, b] = [fakeClient(), fakeClient()];
    live.accept(a);
    live.accept(b);
    const buildsAfterConnect = builds;
    for (let i = 0; i < 50; i += 1) live.notifyChange();
    vi.advanceTimersByTime(150);
    expect(builds).toBe(buildsAfterConnect + 1);
    expect(a.frames.at(-1)).toBe(b.frames.at(-1));
    expect(a.raw.at(-1)).toBe(b.raw.at(-1)); // the same bytes object: encoded once, not per client
  });

  it('frames a snapshot exactly as text would be, Chinese included (UTF-8, one data line)', () => {
    vi.useFakeTimers();
    const snapshot = { at: 1, mineName: '示范矿井', people: [{ card: '1001', name: '王建国', zone: '区域 3' }] };
    const json = JSON.stringify(snapshot);
    const chinese = new LiveUpdates(() => snapshot, options);
    const client = fakeClient();
    chinese.accept(client);
    chinese.notifyChange();
    vi.advanceTimersByTime(150);
    chinese.close();
    const frame = client.raw.at(-1)!;
    expect(Buffer.isBuffer(frame)).toBe(true);
    expect(Buffer.compare(frame as Buffer, Buffer.from(`event: snapshot\ndata: ${json}\n\n`))).toBe(0);
    expect(client.frames.filter((f) => f.startsWith('event: snapshot'))).toEqual([`event: snapshot\ndata: ${json}\n\n`, `event: snapshot\ndata: ${json}\n\n`]);
  });

  it('drops a client that does not read, without touching the others', () => {
    vi.useFakeTimers();
    live = new LiveUpdates(() => state(0), options);
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
    live = new LiveUpdates(
      () => {
        if (fail) throw new Error('engine broke');
        return state(0);
      },
      options,
      (error) => errors.push(error),
    );
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

describe('board live updates: people as patches (?delta=people)', () => {
  let live: LiveUpdates<Snapshot> | null = null;
  afterEach(() => {
    live?.close();
    vi.useRealTimers();
  });

  /** A mine whose people enter, leave, move and change status at random; deterministic. */
  function randomMine(seed: number) {
    let x = seed;
    const random = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    let at = 0;
    let people: Person[] = Array.from({ length: 40 }, (_, i) => ({ card: String(1000 + i), name: `工人${i}`, zone: `区域 ${i % 5}`, flags: { overtime: false } }));
    let nextCard = 2000;
    return {
      snapshot: (): Snapshot => ({ at, headcount: people.length, people }),
      step: () => {
        at += 1;
        const copy = people.map((p) => ({ ...p, flags: { ...p.flags } })); // new objects, as the board model builds them
        for (let i = 0; i < 4; i++) {
          const r = random();
          const who = Math.floor(random() * copy.length);
          if (r < 0.25 && copy.length > 0) copy.splice(who, 1); // leaves
          else if (r < 0.5) copy.push({ card: String(nextCard++), name: `新人${nextCard}`, zone: null, flags: { overtime: false } }); // enters
          else if (r < 0.75 && copy[who]) copy[who].zone = `区域 ${Math.floor(random() * 9)}`; // moves
          else if (copy[who]) copy[who].flags.overtime = !copy[who].flags.overtime; // a nested field
        }
        if (random() < 0.2 && copy.length > 2) {
          // leaves and comes back with the same record between two updates
          const back = copy.splice(0, 1)[0]!;
          copy.push(back);
        }
        people = copy;
      },
    };
  }

  it('every page, whenever it connected, holds exactly the current snapshot after each update', () => {
    vi.useFakeTimers();
    const mine = randomMine(7);
    live = new LiveUpdates(mine.snapshot, { ...options, maxClients: 10 });
    const pages: FakeClient[] = [];
    const oldPage = fakeClient(); // an older page: full snapshots only, never a patch
    live.accept(oldPage, 'full');
    for (let round = 0; round < 60; round++) {
      mine.step();
      if (round % 7 === 3 && pages.length < 6) {
        const page = fakeClient();
        live.accept(page, 'delta'); // connects between two updates
        pages.push(page);
      }
      if (round % 11 === 5 && pages.length > 1) pages.shift()!.hangUp();
      if (round % 3 !== 0) {
        live.notifyChange();
        vi.advanceTimersByTime(150);
      }
      const expected = round % 3 !== 0 ? byCardOrder(mine.snapshot()) : null;
      if (expected === null) continue;
      for (const page of pages) expect(byCardOrder(pageState(page)), `round ${round}`).toEqual(expected);
      expect(byCardOrder(pageState(oldPage))).toEqual(expected);
    }
    expect(events(oldPage).every(([event]) => event !== 'patch')).toBe(true);
    expect(live.stats().patchesSent).toBeGreaterThan(50);
  });

  it('a patch carries every other field whole and only the changed people', () => {
    vi.useFakeTimers();
    const people: Person[] = [
      { card: 'a', name: '甲', zone: '1', flags: { overtime: false } },
      { card: 'b', name: '乙', zone: '1', flags: { overtime: false } },
      { card: 'c', name: '丙', zone: '1', flags: { overtime: false } },
    ];
    let snapshot: Snapshot = { at: 1, headcount: 3, people };
    live = new LiveUpdates(() => snapshot, options);
    const page = fakeClient();
    live.accept(page, 'delta');
    snapshot = { at: 2, headcount: 3, people: [{ ...people[0]!, zone: '2' }, { ...people[1]! }, { card: 'd', name: '丁', zone: null, flags: { overtime: false } }] };
    live.notifyChange();
    vi.advanceTimersByTime(150);
    const [event, data] = events(page).at(-1)!;
    expect(event).toBe('patch');
    expect(data).toEqual({
      at: 2,
      headcount: 3,
      peopleDelta: { upsert: [{ card: 'a', name: '甲', zone: '2', flags: { overtime: false } }, { card: 'd', name: '丁', zone: null, flags: { overtime: false } }], remove: ['c'] },
    });
  });

  it('a newcomer brings the pages already there up to date first, so all hold one list', () => {
    vi.useFakeTimers();
    let snapshot: Snapshot = { at: 1, headcount: 1, people: [{ card: 'a', name: '甲', zone: '1', flags: { overtime: false } }] };
    live = new LiveUpdates(() => snapshot, options);
    const first = fakeClient();
    live.accept(first, 'delta');
    // Between two updates: 'a' leaves and comes back unchanged, 'b' enters — nobody has been told yet.
    snapshot = { at: 2, headcount: 2, people: [{ card: 'b', name: '乙', zone: null, flags: { overtime: false } }, { card: 'a', name: '甲', zone: '1', flags: { overtime: false } }] };
    const second = fakeClient();
    live.accept(second, 'delta');
    expect(byCardOrder(pageState(first))).toEqual(byCardOrder(snapshot));
    expect(byCardOrder(pageState(second))).toEqual(byCardOrder(snapshot));
    snapshot = { at: 3, headcount: 1, people: [{ card: 'b', name: '乙', zone: '4', flags: { overtime: true } }] };
    live.notifyChange();
    vi.advanceTimersByTime(150);
    expect(byCardOrder(pageState(first))).toEqual(byCardOrder(snapshot));
    expect(byCardOrder(pageState(second))).toEqual(byCardOrder(snapshot));
  });
});

describe('people delta', () => {
  it('compares entries field by field, nested ones and ones a later version adds included', () => {
    const a = { card: '1', name: 'x', location: { zone: 'z', level: null }, overtime: false };
    expect(sameJson(a, { ...a, location: { ...a.location } })).toBe(true);
    expect(sameJson(a, { ...a, location: { ...a.location, level: 'L1' } })).toBe(false);
    expect(sameJson(a, { ...a, overtime: true })).toBe(false);
    expect(sameJson(a, { ...a, added: 1 })).toBe(false);
    expect(sameJson({ ...a, gone: undefined }, a)).toBe(true); // as JSON would say
    expect(sameJson([1, 2], [1, 2])).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson(null, {})).toBe(false);
  });

  it('diff then merge gives the new list, whatever the mode of the page', () => {
    const base = [{ card: '1', v: 1 }, { card: '2', v: 2 }, { card: '3', v: 3 }];
    const next = [{ card: '3', v: 3 }, { card: '2', v: 20 }, { card: '4', v: 4 }];
    const held = new Map(base.map((p) => [p.card, p]));
    const delta = diffPeople(held, next);
    expect(delta).toEqual({ upsert: [{ card: '2', v: 20 }, { card: '4', v: 4 }], remove: ['1'] });
    expect([...held.values()]).toEqual(expect.arrayContaining(next)); // the held list is now the new one
    expect(held.size).toBe(next.length);
    expect(diffPeople(held, next)).toEqual({ upsert: [], remove: [] });
    const merged = applyPatch({ at: 0, people: base }, { at: 1, peopleDelta: delta }) as { at: number; people: unknown[] };
    expect(merged.at).toBe(1);
    expect(new Set(merged.people.map((p) => JSON.stringify(p)))).toEqual(new Set(next.map((p) => JSON.stringify(p))));
    expect(merged).not.toHaveProperty('peopleDelta');
  });
});

// Keeps the LiveMode type exercised by the type checker (the tests above pass it as literals).
export const modes: LiveMode[] = ['full', 'delta'];
