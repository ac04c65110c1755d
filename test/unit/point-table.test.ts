import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.js';
import type { Clock } from '../../agent/model/clock.js';
import { PointTable } from '../../agent/state/point-table.js';

function manualClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void; stepWallClock(ms: number): void } {
  let wall = start;
  let mono = 0;
  return {
    now: () => wall,
    monotonic: () => mono,
    advance: (ms) => {
      wall += ms;
      mono += ms;
    },
    /** An NTP step: the wall clock jumps, monotonic time does not. */
    stepWallClock: (ms) => {
      wall += ms;
    },
  };
}

const config = configSchema.parse({
  version: 1,
  gateway: { mineId: 'm', gatewayId: 'g' },
  store: { path: '/tmp/x.db' },
  mqtt: { url: 'mqtt://127.0.0.1:1883' },
  devices: [
    {
      id: 'sm-1',
      system: 'safety_monitoring',
      transport: 'modbus-tcp',
      host: '127.0.0.1',
      pollIntervalMs: 1000,
      points: [{ id: 'ch4', table: 'input', address: 0, type: 'float32' }],
    },
  ],
});

describe('point table', () => {
  it('shows unknown before the first poll, never a zero', () => {
    const table = new PointTable(config, manualClock());
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: null, quality: 'stale', ts: null });
    expect(table.staleDevices().map((d) => d.deviceId)).toEqual(['sm-1']);
  });

  it('holds a good value until it is older than 3 poll intervals, then shows it as stale', () => {
    const clock = manualClock();
    const table = new PointTable(config, clock);
    const ts = clock.now();
    table.apply({ deviceId: 'sm-1', startedAt: ts, finishedAt: ts, samples: [{ deviceId: 'sm-1', pointId: 'ch4', value: 0.5, quality: 'good', ts, mono: 0 }] });
    clock.advance(3000);
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: 0.5, quality: 'good' });
    expect(table.staleDevices()).toEqual([]);
    clock.advance(1);
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: null, quality: 'stale', lastGoodAt: ts });
    expect(table.staleDevices().map((d) => d.deviceId)).toEqual(['sm-1']);
  });

  it('a failed read replaces the value with null and its quality, keeping lastGoodAt', () => {
    const clock = manualClock();
    const table = new PointTable(config, clock);
    const ts = clock.now();
    table.apply({ deviceId: 'sm-1', startedAt: ts, finishedAt: ts, samples: [{ deviceId: 'sm-1', pointId: 'ch4', value: 0.5, quality: 'good', ts, mono: 0 }] });
    clock.advance(1000);
    const later = clock.now();
    table.apply({ deviceId: 'sm-1', startedAt: later, finishedAt: later, samples: [{ deviceId: 'sm-1', pointId: 'ch4', value: null, quality: 'timeout', ts: later, mono: 1 }] });
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: null, quality: 'timeout', lastGoodAt: ts, ts: later });
  });

  it('judges freshness on the monotonic clock: a wall-clock step back or forward changes nothing', () => {
    const clock = manualClock();
    const table = new PointTable(config, clock);
    const good = (ts: number, mono: number) =>
      table.apply({ deviceId: 'sm-1', startedAt: ts, finishedAt: ts, samples: [{ deviceId: 'sm-1', pointId: 'ch4', value: 0.5, quality: 'good', ts, mono }] });
    const ts = clock.now();
    good(ts, clock.monotonic());

    // Stepped back an hour: by wall-clock arithmetic the reading would stay "fresh" for an hour.
    clock.stepWallClock(-3_600_000);
    clock.advance(2000);
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: 0.5, quality: 'good', lastGoodAt: ts });
    clock.advance(1001);
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: null, quality: 'stale', lastGoodAt: ts });
    expect(table.staleDevices().map((d) => d.deviceId)).toEqual(['sm-1']);

    // A fresh reading, then the wall clock steps forward an hour: it must not look stale.
    good(clock.now(), clock.monotonic());
    clock.stepWallClock(3_600_000);
    clock.advance(1000);
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: 0.5, quality: 'good' });
    expect(table.snapshot()[0]).toMatchObject({ quality: 'good' });
    expect(table.staleDevices()).toEqual([]);
  });

  it('keeps numbers, booleans and strings as read, and hands out copies a caller may change', () => {
    const mixed = configSchema.parse({
      ...config,
      devices: [
        {
          ...config.devices[0]!,
          points: [
            { id: 'ch4', table: 'input', address: 0, type: 'float32' },
            { id: 'fan', table: 'coil', address: 0, type: 'bool' },
            { id: 'tag', table: 'holding', address: 10, type: 'string', length: 4 },
          ],
        },
      ],
    });
    const clock = manualClock();
    const table = new PointTable(mixed, clock);
    const cycle = (ch4: number | null, fan: boolean | null, tag: string | null, quality: 'good' | 'timeout' = 'good') => {
      const ts = clock.now();
      const mono = clock.monotonic();
      table.apply({
        deviceId: 'sm-1',
        startedAt: ts,
        finishedAt: ts,
        samples: [
          { deviceId: 'sm-1', pointId: 'ch4', value: ch4, quality, ts, mono },
          { deviceId: 'sm-1', pointId: 'fan', value: fan, quality, ts, mono },
          { deviceId: 'sm-1', pointId: 'tag', value: tag, quality, ts, mono },
        ],
      });
    };
    cycle(0.52, true, 'PT-100');
    const first = table.snapshot();
    expect(first.map((p) => p.value)).toEqual([0.52, true, 'PT-100']);
    first[0]!.value = 99; // a copy: the table is not changed through it
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: 0.52, quality: 'good' });
    clock.advance(1000);
    cycle(-1.25, false, '');
    expect(table.snapshot().map((p) => p.value)).toEqual([-1.25, false, '']);
    const goodAt = clock.now();
    clock.advance(1000);
    cycle(null, null, null, 'timeout');
    expect(table.snapshot().map((p) => [p.value, p.quality, p.lastGoodAt])).toEqual([
      [null, 'timeout', goodAt],
      [null, 'timeout', goodAt],
      [null, 'timeout', goodAt],
    ]);
    clock.advance(1000);
    cycle(0, true, 'X');
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: 0, quality: 'good', lastGoodAt: clock.now(), ts: clock.now() });
    clock.advance(3001);
    expect(table.snapshot().map((p) => [p.value, p.quality])).toEqual([
      [null, 'stale'],
      [null, 'stale'],
      [null, 'stale'],
    ]);
  });

  it('puts a sample of another device in a cycle on that device\'s point, and ignores unknown points', () => {
    const two = configSchema.parse({
      ...config,
      devices: [...config.devices, { ...config.devices[0]!, id: 'sm-2', points: [{ id: 'co', table: 'input', address: 0, type: 'float32' }] }],
    });
    const clock = manualClock();
    const table = new PointTable(two, clock);
    const ts = clock.now();
    table.apply({
      deviceId: 'sm-1',
      startedAt: ts,
      finishedAt: ts,
      samples: [
        { deviceId: 'sm-1', pointId: 'ch4', value: 0.5, quality: 'good', ts, mono: 0 },
        { deviceId: 'sm-2', pointId: 'co', value: 12, quality: 'good', ts, mono: 0 },
        { deviceId: 'sm-1', pointId: 'nope', value: 1, quality: 'good', ts, mono: 0 },
      ],
    });
    expect(table.get('sm-1', 'ch4')).toMatchObject({ value: 0.5 });
    expect(table.get('sm-2', 'co')).toMatchObject({ value: 12 });
    expect(table.get('sm-1', 'nope')).toBeUndefined();
    expect(table.snapshot().map((p) => `${p.deviceId}/${p.pointId}`)).toEqual(['sm-1/ch4', 'sm-2/co']);
  });
});
