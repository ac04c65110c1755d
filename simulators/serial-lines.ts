/**
 * The serial-line devices, each on a pty pair made by socat: the weather station's Modbus RTU
 * line (RS-485, slave 1), its ASCII line, and the LED headcount board. The master's ends are
 * stable symlinks in `dir` (e.g. /tmp/shaftgate-sim/wx-1-rtu → /dev/pts/7).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WeatherStation } from './devices/weather-station.js';
import type { UnitFaults } from './modbus/faults.js';
import { RtuServer } from './rtu/rtu-server.js';
import type { LedBoard } from './serial/led-board.js';
import { createPtyPair, type PtyPair } from './serial/pty-pair.js';
import { openPtyLink } from './serial/pty-link.js';
import { WeatherAsciiLine } from './serial/weather-ascii.js';
import { subSeed } from './devices/prng.js';

export const SERIAL_BAUD_RATE = 19200;
export const WEATHER_RTU_UNIT = 1;

export interface SerialEndpoint {
  deviceId: string;
  system: 'weather' | 'outputs';
  transport: 'modbus-rtu' | 'serial-line';
  /** What the master opens: a symlink to the pty. */
  path: string;
  /** The /dev/pts/N the symlink points to. */
  pts: string;
  baudRate: number;
  /** Modbus RTU slave address; absent on text lines. */
  unitId?: number;
  /** Text lines: the protocol spoken (see simulators/README.md). */
  protocol?: 'weather-ascii' | 'led-board';
}

export interface RunningSerialLines {
  endpoints: SerialEndpoint[];
  rtu: RtuServer;
  weatherAscii: WeatherAsciiLine;
  stop(): Promise<void>;
}

export interface SerialLineDevices {
  weather: WeatherStation;
  weatherFaults: UnitFaults;
  weatherAsciiFaults: UnitFaults;
  ledBoard: LedBoard;
  seed: number;
  /** Real milliseconds between unsolicited weather sentences (0 = only on query). */
  weatherIntervalMs?: number;
}

export async function startSerialLines(dir: string, devices: SerialLineDevices): Promise<RunningSerialLines> {
  mkdirSync(dir, { recursive: true });
  const pairs: PtyPair[] = [];
  const closers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close();
    await Promise.all(pairs.map((pair) => pair.close()));
  };
  const pair = async (name: string) => {
    const created = await createPtyPair(join(dir, `.${name}.device`), join(dir, name));
    pairs.push(created);
    return created;
  };
  try {
    const rtuPair = await pair('wx-1-rtu');
    const rtu = new RtuServer(await openPtyLink(rtuPair.devicePath, SERIAL_BAUD_RATE), { seed: subSeed(devices.seed, 'wx-1-rtu') });
    closers.push(() => rtu.close());
    rtu.addUnit(WEATHER_RTU_UNIT, devices.weather, devices.weatherFaults);

    const asciiPair = await pair('wx-1-ascii');
    const weatherAscii = new WeatherAsciiLine(await openPtyLink(asciiPair.devicePath, SERIAL_BAUD_RATE), devices.weather, devices.weatherAsciiFaults, {
      seed: subSeed(devices.seed, 'wx-1-ascii'),
      intervalMs: devices.weatherIntervalMs ?? 1000,
    });
    closers.push(() => weatherAscii.close());

    const ledPair = await pair('led-1');
    devices.ledBoard.attach(await openPtyLink(ledPair.devicePath, SERIAL_BAUD_RATE));
    closers.push(() => devices.ledBoard.close());

    const endpoint = (created: PtyPair, fields: Omit<SerialEndpoint, 'path' | 'pts' | 'baudRate'>): SerialEndpoint => ({
      ...fields,
      path: created.clientPath,
      pts: created.clientPts,
      baudRate: SERIAL_BAUD_RATE,
    });
    return {
      endpoints: [
        endpoint(rtuPair, { deviceId: 'wx-1', system: 'weather', transport: 'modbus-rtu', unitId: WEATHER_RTU_UNIT }),
        endpoint(asciiPair, { deviceId: 'wx-1-ascii', system: 'weather', transport: 'serial-line', protocol: 'weather-ascii' }),
        endpoint(ledPair, { deviceId: 'led-1', system: 'outputs', transport: 'serial-line', protocol: 'led-board' }),
      ],
      rtu,
      weatherAscii,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
