/** RTU framing: CRC-16/MODBUS, request encoding, and the response reader's checks. */
import { describe, expect, it } from 'vitest';
import { crc16Modbus, hasValidCrc } from '../../drivers/modbus/rtu/crc16.js';
import { RtuFrameError, RtuResponseReader, encodeRtuFrame, encodeRtuRequest } from '../../drivers/modbus/rtu/rtu-frame.js';
import { characterTimeMs, interFrameSilenceMs } from '../../drivers/modbus/rtu/rtu-timing.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function rejection(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof RtuFrameError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('CRC-16/MODBUS', () => {
  it('matches the published check value and the Modbus spec example', () => {
    expect(crc16Modbus(Buffer.from('123456789', 'ascii'))).toBe(0x4b37);
    // Modbus over Serial Line, read 10 holding registers of slave 1: 01 03 00 00 00 0A C5 CD
    expect(hasValidCrc(hex('01 03 00 00 00 0A C5 CD'))).toBe(true);
    expect(hasValidCrc(hex('01 03 00 00 00 0B C5 CD'))).toBe(false);
  });
});

describe('encodeRtuRequest', () => {
  it('puts address, PDU and CRC (low byte first) on the wire', () => {
    expect(encodeRtuRequest(1, { fc: 3, address: 0, quantity: 10 })).toEqual(hex('01 03 00 00 00 0A C5 CD'));
  });

  it('refuses broadcast and addresses above 247', () => {
    expect(() => encodeRtuRequest(0, { fc: 3, address: 0, quantity: 1 })).toThrow(/1–247/);
    expect(() => encodeRtuRequest(248, { fc: 3, address: 0, quantity: 1 })).toThrow(/1–247/);
  });
});

describe('RtuResponseReader', () => {
  const request = { fc: 3 as const, address: 0, quantity: 2 };
  const good = encodeRtuFrame(7, hex('03 04 00 2A FF FF'));

  it('waits for the exact length, across chunks, then decodes', () => {
    const reader = new RtuResponseReader(7, request);
    expect(reader.push(good.subarray(0, 1))).toEqual({ done: false });
    expect(reader.push(good.subarray(1, 5))).toEqual({ done: false });
    const state = reader.push(good.subarray(5));
    expect(state.done && state.response).toEqual({ kind: 'registers', registers: new Uint16Array([42, 65535]) });
  });

  it('reads a 5-byte exception frame', () => {
    const state = new RtuResponseReader(7, request).push(encodeRtuFrame(7, hex('83 02')));
    expect(state.done && state.response).toEqual({ kind: 'exception', exceptionCode: 2 });
  });

  it('rejects a wrong slave address or function at once, before the frame is complete', () => {
    expect(rejection(() => new RtuResponseReader(7, request).push(hex('08 03')))).toBe('address');
    expect(rejection(() => new RtuResponseReader(7, request).push(hex('07 04')))).toBe('function');
  });

  it('rejects every single-bit flip of a good frame', () => {
    for (let bit = 0; bit < good.length * 8; bit++) {
      const corrupted = Buffer.from(good);
      corrupted[bit >> 3] = corrupted[bit >> 3]! ^ (1 << (bit & 7));
      const outcome = rejection(() => new RtuResponseReader(7, request).push(corrupted));
      // A flip into the exception function code makes a (bad-CRC) 5-byte frame; anything else is caught too.
      expect(outcome, `bit ${bit}`).not.toBe('accepted');
    }
  });

  it('rejects a frame with a good CRC whose byte count does not match the request', () => {
    const wrongCount = encodeRtuFrame(7, hex('03 02 00 2A 00 00'));
    expect(rejection(() => new RtuResponseReader(7, request).push(wrongCount))).toBe('content');
  });

  it('reports bytes after a complete frame so the bus can resynchronise', () => {
    const state = new RtuResponseReader(7, request).push(Buffer.concat([good, hex('00 11')]));
    expect(state.done && state.trailingBytes).toBe(2);
  });
});

describe('RTU timing', () => {
  it('uses 3.5 character times up to 19200 baud and 1.75 ms above', () => {
    const format = { baudRate: 19200, dataBits: 8, parity: 'none' as const, stopBits: 1 };
    expect(characterTimeMs(format)).toBeCloseTo(10 / 19.2, 6);
    expect(interFrameSilenceMs(format)).toBeCloseTo(3.5 * (10 / 19.2), 6);
    expect(interFrameSilenceMs({ ...format, parity: 'even', baudRate: 9600 })).toBeCloseTo(3.5 * (11 / 9.6), 6);
    expect(interFrameSilenceMs({ ...format, baudRate: 115200 })).toBe(1.75);
  });
});
