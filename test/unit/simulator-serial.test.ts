import { describe, expect, it } from 'vitest';
import { encodeRequest } from '../../drivers/modbus/protocol/pdu.js';
import { crc16Modbus } from '../../drivers/modbus/rtu/crc16.js';
import { encodeRtuFrame } from '../../drivers/modbus/rtu/rtu-frame.js';
import { decodeRegisters } from '../../drivers/modbus/values.js';
import { WeatherStation } from '../../simulators/devices/weather-station.js';
import { UnitFaults } from '../../simulators/modbus/faults.js';
import { LineNoise } from '../../simulators/rtu/line-noise.js';
import { RtuRequestFramer } from '../../simulators/rtu/request-framer.js';
import { RtuServer } from '../../simulators/rtu/rtu-server.js';
import { ManualClock } from '../../simulators/scaled-clock.js';
import { LedBoard } from '../../simulators/serial/led-board.js';
import { LineBuffer } from '../../simulators/serial/line-buffer.js';
import { linkPair } from '../../simulators/serial/serial-link.js';
import { WeatherAsciiLine, formatWeatherSentence, nmeaChecksum, parseWeatherSentence } from '../../simulators/serial/weather-ascii.js';

const T0 = Date.parse('2024-11-18T07:30:00+08:00');
const readInputs = (unit: number, address: number, quantity: number) => encodeRtuFrame(unit, encodeRequest({ fc: 4, address, quantity }));
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('RTU request framing', () => {
  it('frames by expected length, across chunk boundaries, and resynchronises after garbage', () => {
    const framer = new RtuRequestFramer();
    const frame = readInputs(1, 0, 10);
    expect(framer.push(Buffer.concat([Buffer.from([0x55, 0xaa]), frame.subarray(0, 3)]))).toEqual([]);
    const frames = framer.push(frame.subarray(3));
    expect(frames).toEqual([{ unitId: 1, pdu: encodeRequest({ fc: 4, address: 0, quantity: 10 }) }]);
    expect(framer.stats.discardedBytes).toBe(2);
  });

  it('sizes FC16 from its byte count and checks the CRC', () => {
    const framer = new RtuRequestFramer();
    const write = encodeRtuFrame(7, encodeRequest({ fc: 16, address: 3, values: [1, 2, 3] }));
    expect(framer.push(write)).toHaveLength(1);
    const bad = Buffer.from(write);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    expect(framer.push(bad)).toEqual([]);
    expect(framer.stats.crcErrors).toBeGreaterThan(0);
  });
});

describe('line noise', () => {
  it('flips the same bytes for the same seed, and a fraction of them', () => {
    const bytes = Buffer.alloc(10_000, 0x5a);
    const a = new LineNoise(3).apply(bytes, 0.05);
    const b = new LineNoise(3).apply(bytes, 0.05);
    const c = new LineNoise(4).apply(bytes, 0.05);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const flipped = [...a].filter((byte) => byte !== 0x5a).length;
    expect(flipped).toBeGreaterThan(400);
    expect(flipped).toBeLessThan(600);
    expect(new LineNoise(3).apply(bytes, 0)).toBe(bytes);
  });
});

describe('RTU server', () => {
  const setup = () => {
    const clock = new ManualClock(T0);
    const weather = new WeatherStation({ seed: 1, clock });
    weather.rain(12);
    clock.set(T0 + 3_600_000);
    const [device, master] = linkPair();
    const server = new RtuServer(device, { seed: 9, idleMs: 5 });
    const faults = server.addUnit(1, weather);
    const received: Buffer[] = [];
    master.onData((chunk) => received.push(chunk));
    return { server, faults, master, received };
  };

  it('answers its own address with CRC-framed registers and ignores other addresses', async () => {
    const { master, received, server } = setup();
    master.write(readInputs(1, 0, 4));
    master.write(readInputs(2, 0, 4));
    await settle();
    expect(received).toHaveLength(1);
    const answer = received[0]!;
    expect([answer[0], answer[1], answer[2]]).toEqual([1, 4, 8]);
    expect(crc16Modbus(answer, 0, answer.length - 2)).toBe(answer.readUInt16LE(answer.length - 2));
    const registers = Array.from({ length: 4 }, (_, i) => answer.readUInt16BE(3 + 2 * i));
    expect(decodeRegisters(registers, 0, 'float32', 'ABCD')).toBeCloseTo(12, 4);
    expect(server.stats()).toMatchObject({ requests: 2, responses: 1, unknownUnitRequests: 1 });
  });

  it('faults: silent, exception, and seeded corruption', async () => {
    const { master, received, faults } = setup();
    faults.silent = true;
    master.write(readInputs(1, 0, 2));
    await settle();
    expect(received).toHaveLength(0);
    faults.silent = false;
    faults.exception = 6;
    master.write(readInputs(1, 0, 2));
    await settle();
    expect([...received[0]!.subarray(0, 3)]).toEqual([1, 0x84, 6]);
    faults.exception = null;
    faults.corruptFraction = 1;
    master.write(readInputs(1, 0, 2));
    await settle();
    const noisy = received[1]!;
    expect(crc16Modbus(noisy, 0, noisy.length - 2)).not.toBe(noisy.readUInt16LE(noisy.length - 2));
  });

  it('answers an unknown function with exception 1 once the line goes quiet', async () => {
    const { master, received } = setup();
    const frame = Buffer.from([1, 0x2b, 0x0e, 0x01, 0x00, 0, 0]);
    frame.writeUInt16LE(crc16Modbus(frame, 0, 5), 5);
    master.write(frame);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect([...received[0]!.subarray(0, 3)]).toEqual([1, 0xab, 1]);
  });
});

describe('weather ASCII line', () => {
  it('formats and parses its sentences with the XOR checksum', () => {
    const line = formatWeatherSentence({ rain1h: 12.34, rain24h: 45.6, wind: 3.2, dir: 270, temp: 18.5 });
    expect(line).toBe(`$WX,rain1h=12.3,rain24h=45.6,wind=3.2,dir=270,temp=18.5*${nmeaChecksum('WX,rain1h=12.3,rain24h=45.6,wind=3.2,dir=270,temp=18.5')}\r\n`);
    expect(parseWeatherSentence(line.trimEnd())).toEqual({ rain1h: 12.3, rain24h: 45.6, wind: 3.2, dir: 270, temp: 18.5 });
    expect(parseWeatherSentence(line.trimEnd().replace('12.3', '12.4'))).toBeNull();
    expect(nmeaChecksum('WXQ')).toBe('5E');
  });

  it('answers the query line, and rejects bad checksums', async () => {
    const clock = new ManualClock(T0);
    const weather = new WeatherStation({ seed: 1, clock });
    const [device, master] = linkPair();
    const line = new WeatherAsciiLine(device, weather, new UnitFaults(), { seed: 1, intervalMs: 0 });
    const received: string[] = [];
    master.onData((chunk) => received.push(chunk.toString('latin1')));
    master.write(Buffer.from('$WXQ*5E\r\n$WXQ*00\r\nhello\n'));
    await settle();
    expect(received.join('')).toMatch(/^\$WX,rain1h=0\.0,rain24h=0\.0,.*\*[0-9A-F]{2}\r\n\$WXERR,checksum\*[0-9A-F]{2}\r\n\$WXERR,unknown\*[0-9A-F]{2}\r\n$/);
    await line.close();
  });
});

describe('LED board', () => {
  it('shows TEXT rows, clears, refuses bad commands without changing anything', () => {
    const clock = new ManualClock(T0);
    const board = new LedBoard(clock);
    expect(board.execute('TEXT 1 井下人数 61/60')).toBe('OK');
    expect(board.execute('TEXT 2 带班领导 张伟')).toBe('OK');
    expect(board.execute('TEXT 5 x')).toMatch(/^ERR row/);
    expect(board.execute(`TEXT 3 ${'人'.repeat(33)}`)).toMatch(/^ERR text longer/);
    expect(board.execute('BLINK')).toMatch(/^ERR unknown/);
    expect(board.text()).toBe('井下人数 61/60\n带班领导 张伟');
    expect(board.execute('CLEAR')).toBe('OK');
    expect(board.rows).toEqual(['', '', '', '']);
    expect(board.changes()).toHaveLength(3);
    board.faults.silent = true;
    expect(board.execute('TEXT 1 x')).toBeNull();
    expect(board.rows[0]).toBe('');
  });

  it('bounds its line buffer', () => {
    const lines = new LineBuffer(8);
    expect(lines.push(Buffer.from('0123456789abc\nok\r\n'))).toEqual(['ok']);
    expect(lines.overlongLines).toBe(1);
  });
});
