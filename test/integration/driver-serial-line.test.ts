/**
 * The line-framed serial driver against a peer on the other end of a socat pty pair, written here:
 * a weather station that talks by itself (listen mode), one that answers a query (request mode,
 * regex parsing), and the LED headcount board (writeLine).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { serialLineDeviceSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { SerialConnection } from '../../drivers/serial/serial-connection.js';
import { SerialLineDriver } from '../../drivers/serial/serial-line-driver.js';
import { startPtyPair } from '../helpers/pty.js';
import { waitFor } from '../helpers/agent-process.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Peer {
  write(text: string): Promise<void>;
  received(): string;
  onLine(handler: (line: string) => void): void;
}

/** A pty pair: the driver gets one end, the test plays the device on the other. */
async function setUp(deviceConfig: Record<string, unknown>): Promise<{ driver: SerialLineDriver; peer: Peer }> {
  const pty = await startPtyPair('serial-line');
  cleanups.push(() => pty.dispose());
  const port = new SerialPort({ path: pty.b, baudRate: 9600, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  cleanups.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  let received = '';
  const lineHandlers: Array<(line: string) => void> = [];
  port.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    let at: number;
    while ((at = received.indexOf('\r\n')) >= 0) {
      const line = received.slice(0, at);
      received = received.slice(at + 2);
      lineHandlers.forEach((handler) => handler(line));
    }
  });
  const config = serialLineDeviceSchema.parse({ id: 'weather', system: 'weather', transport: 'serial-line', serialPort: 'com1', delimiter: '\r\n', ...deviceConfig });
  const connection = new SerialConnection({ id: 'com1', path: pty.a, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }, { clock: systemClock, logger: silentLogger() });
  const driver = new SerialLineDriver(config, connection, systemClock, silentLogger());
  cleanups.push(() => driver.close());
  expect((await driver.poll()).length).toBe(config.points.length); // opens the port (times out: nothing sent yet)
  return {
    driver,
    peer: {
      write: (text) => new Promise<void>((resolve, reject) => port.write(Buffer.from(text, 'latin1'), (error) => (error ? reject(error) : port.drain(() => resolve())))),
      received: () => received,
      onLine: (handler) => lineHandlers.push(handler),
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
const values = (samples: Array<{ pointId: string; value: unknown; quality: string }>) => Object.fromEntries(samples.map((s) => [s.pointId, s.quality === 'good' ? s.value : s.quality]));

const WEATHER_POINTS = [
  { id: 'rain_1h', field: 'RAIN1H', unit: 'mm' },
  { id: 'rain_24h', field: 'RAIN24H', unit: 'mm' },
  { id: 'wind', field: 'WIND', unit: 'm/s' },
  { id: 'temp', field: 'TEMP', unit: '°C' },
  { id: 'station', field: 'ID', type: 'string' },
];

describe('serial-line driver, listen mode (key=value)', () => {
  it('takes the newest line, never repeats a value, and flags missing or malformed fields', async () => {
    const { driver, peer } = await setUp({ mode: 'listen', timeoutMs: 200, points: WEATHER_POINTS });
    await peer.write('ID=WS1,RAIN1H=2.5,RAIN24H=10.0,WIND=3.4,TEMP=-5.1\r\n');
    await settle();
    expect(values(await driver.poll())).toEqual({ rain_1h: 2.5, rain_24h: 10, wind: 3.4, temp: -5.1, station: 'WS1' });

    // Nothing new: timeout, not the old values again.
    expect(values(await driver.poll())).toEqual({ rain_1h: 'timeout', rain_24h: 'timeout', wind: 'timeout', temp: 'timeout', station: 'timeout' });

    // Two lines between polls: the newer wins, the older is counted as superseded.
    await peer.write('ID=WS1,RAIN1H=1,RAIN24H=2,WIND=3,TEMP=4\r\nID=WS1,RAIN1H=5,RAIN24H=6,WIND=7,TEMP=8\r\n');
    await settle();
    expect(values(await driver.poll())).toEqual({ rain_1h: 5, rain_24h: 6, wind: 7, temp: 8, station: 'WS1' });
    expect(driver.stats().supersededLines).toBe(1);

    // A line arriving while the poll waits is taken at once.
    setTimeout(() => void peer.write('ID=WS1,RAIN1H=0.2,RAIN24H=33.5,WIND=12x,TEMP=1\r\n'), 30);
    expect(values(await driver.poll())).toEqual({ rain_1h: 0.2, rain_24h: 33.5, wind: 'framing_error', temp: 1, station: 'WS1' });

    await peer.write('ID=WS1,RAIN24H=1\r\n');
    await settle();
    expect(values(await driver.poll())).toMatchObject({ rain_1h: 'framing_error', rain_24h: 1 });
  });

  it('drops an overlong line (counted) and carries on with the next one', async () => {
    const { driver, peer } = await setUp({ mode: 'listen', timeoutMs: 200, maxLineLength: 64, points: WEATHER_POINTS });
    await peer.write(`ID=WS1,RAIN1H=${'9'.repeat(200)}\r\n`);
    await peer.write('ID=WS1,RAIN1H=3,RAIN24H=4,WIND=5,TEMP=6\r\n');
    await settle();
    expect(values(await driver.poll())).toEqual({ rain_1h: 3, rain_24h: 4, wind: 5, temp: 6, station: 'WS1' });
    expect(driver.stats().overlongLines).toBe(1);
    expect(driver.stats().supersededLines).toBe(0);
  });
});

describe('serial-line driver, request mode (regex)', () => {
  it('sends the query, parses the answer with named groups, and times out when there is none', async () => {
    const { driver, peer } = await setUp({
      mode: 'request',
      query: 'READ?',
      timeoutMs: 200,
      retries: 0,
      parse: { format: 'regex', pattern: '^R1H (?<rain1h>[-0-9.]+) R24H (?<rain24h>[-0-9.]+) W (?<wind>[-0-9.]+)$' },
      points: [
        { id: 'rain1h', unit: 'mm' },
        { id: 'rain24h', unit: 'mm' },
        { id: 'wind_kmh', field: 'wind', scale: 3.6, unit: 'km/h' },
      ],
    });
    let answer: string | null = 'R1H 12.5 R24H 50.0 W 10';
    peer.onLine((line) => {
      if (line === 'READ?' && answer !== null) void peer.write(`${answer}\r\n`);
    });
    expect(values(await driver.poll())).toEqual({ rain1h: 12.5, rain24h: 50, wind_kmh: 36 });
    answer = 'garbage';
    expect(values(await driver.poll())).toEqual({ rain1h: 'framing_error', rain24h: 'framing_error', wind_kmh: 'framing_error' });
    answer = null;
    expect(values(await driver.poll())).toEqual({ rain1h: 'timeout', rain24h: 'timeout', wind_kmh: 'timeout' });
    // A late, unasked-for line is never taken for the next answer.
    await peer.write('R1H 99 R24H 99 W 99\r\n');
    await settle();
    answer = 'R1H 1 R24H 2 W 3';
    expect(values(await driver.poll())).toEqual({ rain1h: 1, rain24h: 2, wind_kmh: 3 * 3.6 });
    expect(driver.stats().unsolicitedLines).toBe(1);
  });
});

describe('serial-line driver, LED board', () => {
  it('writes one line per call and refuses text that would break the framing', async () => {
    const { driver, peer } = await setUp({ system: 'outputs', mode: 'listen', encoding: 'latin1', points: [] });
    const lines: string[] = [];
    peer.onLine((line) => lines.push(line));
    expect(await driver.writeLine('UNDERGROUND 123/150')).toEqual({ ok: true });
    expect(await driver.writeLine('LEADER ZHANG')).toEqual({ ok: true });
    expect(await driver.writeLine('two\r\nlines')).toMatchObject({ ok: false, quality: 'config_error' });
    // Wait for the lines rather than a fixed pause: a loaded machine can take longer than 50 ms.
    await waitFor('both lines at the board', () => lines.length >= 2, 2000);
    await settle(); // and give a wrongly written third line its chance to show
    expect(lines).toEqual(['UNDERGROUND 123/150', 'LEADER ZHANG']);
    expect(await driver.poll()).toEqual([]);
  });
});
