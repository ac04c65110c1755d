/**
 * The positioning driver against the simulated substation pp-1 over real Modbus TCP: events in
 * order, a FIFO that wrapped reported as missed, a substation restart detected, the card table
 * equal to the model, a silent device reported as such and then resumed with no event lost or
 * repeated. The substation runs on a manual clock (its times are exact); the driver on real time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../agent/model/clock.js';
import type { PositioningRead } from '../../agent/model/positioning.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { modbusTcpDeviceSchema } from '../../config/schema.js';
import { createDriver } from '../../drivers/factory.js';
import { producesPollCycles } from '../../drivers/driver.js';
import { PositioningDriver, type PositioningDeviceConfig, type PositioningDriverOptions } from '../../drivers/positioning/positioning-driver.js';
import { shippedMine } from '../../simulators/devices/catalog.js';
import { deviceOf, startSimulators, type DeviceOf, type RunningSimulators } from '../../simulators/run.js';
import { ManualClock } from '../../simulators/scaled-clock.js';

const T0 = Date.UTC(2025, 5, 16, 0, 30);
const mine = shippedMine();
const cards = mine.roster.map((person) => person.card);
const UNDERGROUND_READER = mine.layout.readers.find((reader) => reader.shaftHead === null)!;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Running {
  sims: RunningSimulators;
  pp: DeviceOf<'personnel_positioning'>;
  clock: ManualClock;
}

async function substation(port = 0): Promise<Running> {
  const clock = new ManualClock(T0);
  const sims = await startSimulators({ basePort: 0, clock, devices: [{ id: 'pp-1', system: 'personnel_positioning', port }] });
  cleanups.push(() => sims.stop());
  return { sims, pp: deviceOf(sims, 'pp-1', 'personnel_positioning'), clock };
}

function config(port: number, positioning: Record<string, unknown> = {}): PositioningDeviceConfig {
  const device = modbusTcpDeviceSchema.parse({
    id: 'pp-1',
    system: 'personnel_positioning',
    transport: 'modbus-tcp',
    host: '127.0.0.1',
    port,
    timeoutMs: 200,
    retries: 0,
    maxGap: 0,
    points: [
      { id: 'cards_underground', table: 'input', address: 10, type: 'uint16' },
      { id: 'event_seq_newest', table: 'input', address: 6, type: 'uint32' },
    ],
    positioning: { readers: mine.layout.readers.map((reader) => ({ id: reader.id, zone: reader.zone })), ...positioning },
  });
  return { ...device, positioning: device.positioning! };
}

function driverFor(running: Running, options: PositioningDriverOptions = {}, positioning: Record<string, unknown> = {}): PositioningDriver {
  const driver = new PositioningDriver(config(running.pp.endpoint.port, positioning), systemClock, silentLogger(), { reconnectMinMs: 20, reconnectMaxMs: 50, ...options });
  cleanups.push(() => driver.close());
  return driver;
}

async function read(driver: PositioningDriver): Promise<PositioningRead> {
  const cycle = await driver.pollCycle();
  expect(cycle.positioning).toBeDefined();
  return cycle.positioning!;
}

/** Polls until a read is good (the driver reconnecting after a restart), at most ~2 s. */
async function readUntilGood(driver: PositioningDriver): Promise<PositioningRead> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const positioning = await read(driver);
    if (positioning.quality === 'good') return positioning;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the driver never read the substation again');
}

describe('positioning driver against the simulated substation', () => {
  it('is what the factory builds for a TCP device with a positioning block, and it produces poll cycles', async () => {
    const running = await substation();
    const driver = createDriver(config(running.pp.endpoint.port), systemClock, silentLogger());
    cleanups.push(() => driver.close());
    expect(driver).toBeInstanceOf(PositioningDriver);
    expect(producesPollCycles(driver)).toBe(true);
  });

  it('delivers entries, exits and emergency calls in seq order, each exactly once', async () => {
    const running = await substation();
    const driver = driverFor(running);
    const first = await read(driver);
    expect(first).toMatchObject({ quality: 'good', events: [], missedEvents: 0, eventsResynced: true, rejected: [] });
    const [a, b] = [String(cards[0]), String(cards[1])];
    running.pp.model.enter(cards[0]!);
    running.clock.set(T0 + 1000);
    running.pp.model.enter(cards[1]!);
    running.pp.model.exit(cards[0]!);
    running.pp.model.emergencyCall(cards[1]!, true);
    running.pp.model.emergencyCall(cards[1]!, false);

    const cycle = await driver.pollCycle();
    expect(cycle.positioning).toMatchObject({ quality: 'good', missedEvents: 0, eventsResynced: false, cards: null });
    expect(cycle.positioning!.events.map((e) => [e.seq, e.card, e.kind, e.reader, e.at])).toEqual([
      [1, a, 'entry', 1, T0],
      [2, b, 'entry', 1, T0 + 1000],
      [3, a, 'exit', 2, T0 + 1000],
      [4, b, 'emergency_call', 1, T0 + 1000], // from where b was last heard: the entry reader
      [5, b, 'emergency_cleared', 1, T0 + 1000],
    ]);
    // The configured points come from the same header read.
    expect(cycle.samples.map((s) => [s.pointId, s.value, s.quality])).toEqual([
      ['event_seq_newest', 5, 'good'],
      ['cards_underground', 1, 'good'],
    ]);
    expect((await read(driver)).events).toEqual([]);
  });

  it('reads the whole card table and it matches the model, card for card', async () => {
    const running = await substation();
    const { model } = running.pp;
    model.enter(cards[0]!);
    model.enter(cards[1]!);
    model.seen(cards[1]!, UNDERGROUND_READER.id);
    model.enter(cards[2]!);
    model.loseSignal(cards[2]!, true);
    model.emergencyCall(cards[1]!, true);
    model.enter(cards[3]!);
    model.exit(cards[3]!);
    running.clock.set(T0 + 6 * 60_000); // card 2 silent for 6 min: the substation flags it

    const driver = driverFor(running);
    const positioning = await read(driver);
    expect(positioning.quality).toBe('good');
    expect(positioning.rejected).toEqual([]);
    expect(positioning.cards).toHaveLength(cards.length);
    const now = T0 + 6 * 60_000;
    const expected = cards.map((card) => {
      const state = model.card(card);
      const heardNow = state.underground && !state.signalLost;
      return {
        card: String(card),
        reader: state.reader,
        zone: state.zone,
        lastSeenAt: heardNow ? now : state.lastSeen === 0 ? null : state.lastSeen,
        underground: state.underground,
        emergency: state.emergencyCall,
        signalLost: state.underground && !heardNow && now - state.lastSeen >= 5 * 60_000,
      };
    });
    expect(positioning.cards).toEqual(expected);
    expect(positioning.cards!.filter((c) => c.underground).map((c) => c.card)).toEqual(model.underground().map(String));
    expect(positioning.cards![2]).toMatchObject({ signalLost: true, lastSeenAt: T0 });
    expect(positioning.header).toMatchObject({ cardCount: cards.length, cardsUnderground: 3, emergencyCalls: 1, substationTime: now });
    // Not due again for 30 s: the next cycle carries no table (null, not an empty list).
    expect((await read(driver)).cards).toBeNull();
    expect(driver.positioningStats()).toMatchObject({ cardTableReads: 1, lastCardTableRequests: 42 });
  });

  it('reports more than 256 events between two reads as missed, and delivers the 256 still held', async () => {
    const running = await substation();
    const driver = driverFor(running);
    running.pp.model.enter(cards[0]!);
    expect((await read(driver)).events.map((e) => e.seq)).toEqual([1]);
    for (let i = 0; i < 150; i++) {
      running.pp.model.enter(cards[10 + i]!);
      running.pp.model.exit(cards[10 + i]!);
    }
    const positioning = await read(driver); // seq 2..301 happened; the ring holds 46..301
    expect(positioning).toMatchObject({ quality: 'good', missedEvents: 44, eventsResynced: true });
    expect(positioning.events.map((e) => e.seq)).toEqual(Array.from({ length: 256 }, (_, i) => 46 + i));
    expect(positioning.events.at(-1)).toMatchObject({ card: String(cards[159]), kind: 'exit' });
    expect(driver.positioningStats()).toMatchObject({ missedEvents: 44, eventsDelivered: 257, lastEventSeq: 301 });
    // And after it, continuity again.
    running.pp.model.enter(cards[0]!);
    expect(await read(driver)).toMatchObject({ missedEvents: 0, eventsResynced: false, events: [expect.objectContaining({ seq: 302 })] });
  });

  it('detects a substation restart whose seq went back', async () => {
    const first = await substation();
    const port = first.pp.endpoint.port;
    const driver = driverFor(first);
    for (let i = 0; i < 5; i++) first.pp.model.enter(cards[i]!);
    expect((await read(driver)).events).toHaveLength(5);
    await first.sims.stop();

    const second = await substation(port);
    second.pp.model.enter(cards[100]!);
    second.pp.model.enter(cards[101]!);
    const positioning = await readUntilGood(driver);
    expect(positioning).toMatchObject({ eventsResynced: true, missedEvents: 0 });
    expect(positioning.events.map((e) => [e.seq, e.card])).toEqual([
      [1, String(cards[100])],
      [2, String(cards[101])],
    ]);
    expect(driver.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('detects a restart whose new seq has already grown past the old cursor (the event under it differs)', async () => {
    const first = await substation();
    const port = first.pp.endpoint.port;
    const driver = driverFor(first);
    for (let i = 0; i < 3; i++) first.pp.model.enter(cards[i]!);
    expect((await read(driver)).events.map((e) => e.seq)).toEqual([1, 2, 3]);
    await first.sims.stop();

    const second = await substation(port);
    second.clock.set(T0 + 60_000);
    for (let i = 0; i < 6; i++) second.pp.model.enter(cards[200 + i]!);
    const positioning = await readUntilGood(driver);
    expect(positioning.eventsResynced).toBe(true);
    expect(positioning.events.map((e) => [e.seq, e.card])).toEqual(Array.from({ length: 6 }, (_, i) => [i + 1, String(cards[200 + i])]));
  });

  it('gives quality timeout, no cards and no events while silent, then resumes without losing or repeating an event', async () => {
    const running = await substation();
    const driver = driverFor(running);
    running.pp.model.enter(cards[0]!);
    expect((await read(driver)).events.map((e) => e.seq)).toEqual([1]);

    running.pp.faults.silent = true;
    running.pp.model.enter(cards[1]!);
    running.pp.model.enter(cards[2]!);
    const cycle = await driver.pollCycle();
    expect(cycle.positioning).toMatchObject({ quality: 'timeout', cards: null, events: [], missedEvents: 0 });
    expect(cycle.positioning!.detail).toMatch(/no response/);
    expect(cycle.samples.every((s) => s.quality === 'timeout' && s.value === null)).toBe(true);
    running.pp.model.exit(cards[1]!);
    expect(await read(driver)).toMatchObject({ quality: 'timeout', cards: null, events: [] });

    running.pp.faults.silent = false;
    const resumed = await readUntilGood(driver);
    expect(resumed.events.map((e) => [e.seq, e.kind])).toEqual([
      [2, 'entry'],
      [3, 'entry'],
      [4, 'exit'],
    ]);
    expect(resumed).toMatchObject({ missedEvents: 0, eventsResynced: false });
  });

  it('reads the card table at the first good cycle after a failed attempt, not an interval later', async () => {
    const running = await substation();
    const driver = driverFor(running, {}, { cardTableIntervalMs: 30_000 });
    running.pp.faults.silent = true;
    expect(await read(driver)).toMatchObject({ quality: 'timeout', cards: null });
    running.pp.faults.silent = false;
    const positioning = await readUntilGood(driver);
    expect(positioning.cards).toHaveLength(cards.length);
  });

  it('reports a corrupted card record, leaves that card out and uses the rest', async () => {
    const running = await substation();
    running.pp.model.enter(cards[5]!);
    running.pp.model.readRegisters('input', 0, 14); // let the model refresh its image at this second
    // Misalign record 5: its reserved word is no longer 0 (the manual clock holds the image still).
    running.pp.model.image.setRegisters('input', 4000 + 5 * 8 + 7, [0xbeef]);
    const driver = driverFor(running);
    const positioning = await read(driver);
    expect(positioning.quality).toBe('good');
    expect(positioning.rejected).toEqual([{ region: 'card', index: 5, reason: expect.stringMatching(/reserved word/) as unknown }]);
    expect(positioning.cards).toHaveLength(cards.length - 1);
    expect(positioning.cards!.some((c) => c.card === String(cards[5]))).toBe(false);
  });

  it('plain poll() reads the points only and consumes no event', async () => {
    const running = await substation();
    const driver = driverFor(running);
    running.pp.model.enter(cards[0]!);
    const samples = await driver.poll();
    expect(samples.map((s) => [s.pointId, s.value])).toEqual([
      ['event_seq_newest', 1],
      ['cards_underground', 1],
    ]);
    expect((await read(driver)).events.map((e) => e.seq)).toEqual([1]);
  });

  it('reads 600+ cards fast enough for a 1 s poll (timings printed)', async () => {
    const running = await substation();
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const timings: Record<string, { p50: number; max: number }> = {};
    for (const maxInflight of [1, 4]) {
      const table: number[] = [];
      const withTable: number[] = [];
      const withoutTable: number[] = [];
      // A fresh driver reads the table at its first cycle; its second cycle is the steady state.
      for (let i = 0; i < 20; i++) {
        const driver = driverFor(running, { maxInflight });
        let started = performance.now();
        expect((await driver.pollCycle()).positioning!.cards).toHaveLength(cards.length);
        withTable.push(performance.now() - started);
        table.push(driver.positioningStats().lastCardTableReadMs!);
        running.pp.model.enter(cards[i]!);
        started = performance.now();
        expect((await driver.pollCycle()).positioning!.events).toHaveLength(1);
        withoutTable.push(performance.now() - started);
        await driver.close();
      }
      for (const [name, values] of [
        [`card table only (${cards.length} cards, 42 reads), inflight ${maxInflight}`, table],
        [`cycle with table, inflight ${maxInflight}`, withTable],
        [`cycle header + 1 event, inflight ${maxInflight}`, withoutTable],
      ] as const) {
        timings[name] = { p50: median(values), max: Math.max(...values) };
      }
      expect(median(table)).toBeLessThan(500);
    }
    console.log('positioning timings (ms):', JSON.stringify(timings, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v), 1));
  });
});
