/**
 * Modbus TCP framing: the 7-byte MBAP header (transaction id, protocol id 0, length, unit id)
 * followed by the PDU. A TCP stream carries frames back to back and may split or join them, so the
 * decoder reassembles by the length field and rejects a header that cannot be Modbus.
 */
import { LIMITS, ModbusFramingError } from './pdu.js';

export const MBAP_HEADER_LENGTH = 7;

export interface MbapFrame {
  transactionId: number;
  unitId: number;
  pdu: Buffer;
}

export function encodeMbap(transactionId: number, unitId: number, pdu: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(MBAP_HEADER_LENGTH + pdu.length);
  frame.writeUInt16BE(transactionId & 0xffff, 0);
  frame.writeUInt16BE(0, 2);
  frame.writeUInt16BE(pdu.length + 1, 4);
  frame.writeUInt8(unitId & 0xff, 6);
  pdu.copy(frame, MBAP_HEADER_LENGTH);
  return frame;
}

/**
 * Splits a byte stream into MBAP frames. A header with a protocol id other than 0 or an impossible
 * length means the stream is out of step: `push` throws ModbusFramingError and the caller must drop
 * the connection (there is no way to find the next frame boundary reliably on TCP).
 */
export class MbapDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): MbapFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: MbapFrame[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= MBAP_HEADER_LENGTH) {
      const protocolId = this.buffer.readUInt16BE(offset + 2);
      const length = this.buffer.readUInt16BE(offset + 4);
      if (protocolId !== 0) {
        this.buffer = Buffer.alloc(0);
        throw new ModbusFramingError(`MBAP protocol id ${protocolId}, expected 0: the stream is not Modbus TCP or is out of step`);
      }
      if (length < 2 || length > LIMITS.maxPduLength + 1) {
        this.buffer = Buffer.alloc(0);
        throw new ModbusFramingError(`MBAP length ${length} is impossible (2–${LIMITS.maxPduLength + 1})`);
      }
      const total = 6 + length;
      if (this.buffer.length - offset < total) break;
      frames.push({
        transactionId: this.buffer.readUInt16BE(offset),
        unitId: this.buffer.readUInt8(offset + 6),
        pdu: Buffer.from(this.buffer.subarray(offset + MBAP_HEADER_LENGTH, offset + total)),
      });
      offset += total;
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
    return frames;
  }

  /** Bytes waiting for the rest of their frame. */
  get pending(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
  }
}
