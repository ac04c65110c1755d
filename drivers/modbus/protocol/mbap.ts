/**
 * Modbus TCP framing: the 7-byte MBAP header (transaction id, protocol id 0, length, unit id)
 * followed by the PDU. A TCP stream carries frames back to back and may split or join them, so the
 * decoder reassembles by the length field and rejects a header that cannot be Modbus.
 */
import { LIMITS, ModbusFramingError, requestLength, writeRequest, type ModbusRequest } from './pdu.js';

export const MBAP_HEADER_LENGTH = 7;

/** Never written to: the decoder only replaces its buffer, it never fills one in place. */
const EMPTY = Buffer.alloc(0);

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

/** The whole MBAP frame of a request in one buffer (encodeMbap(…, encodeRequest(request)) without the PDU's own buffer and copy). */
export function encodeMbapRequest(transactionId: number, unitId: number, request: ModbusRequest): Buffer {
  const pduLength = requestLength(request);
  const frame = Buffer.allocUnsafe(MBAP_HEADER_LENGTH + pduLength);
  writeRequest(request, frame, MBAP_HEADER_LENGTH); // first: it throws on a bad request
  frame.writeUInt16BE(transactionId & 0xffff, 0);
  frame.writeUInt16BE(0, 2);
  frame.writeUInt16BE(pduLength + 1, 4);
  frame.writeUInt8(unitId & 0xff, 6);
  return frame;
}

/** Receives each frame of a chunk; `pdu` is a view into the received bytes, valid only during the call. */
export type MbapFrameHandler = (transactionId: number, unitId: number, pdu: Buffer) => void;

/**
 * Splits a byte stream into MBAP frames. A header with a protocol id other than 0 or an impossible
 * length means the stream is out of step: `push` throws ModbusFramingError and the caller must drop
 * the connection (there is no way to find the next frame boundary reliably on TCP).
 */
export class MbapDecoder {
  private buffer: Buffer = EMPTY;
  private resets = 0;

  push(chunk: Buffer): MbapFrame[] {
    const frames: MbapFrame[] = [];
    this.each(chunk, (transactionId, unitId, pdu) => frames.push({ transactionId, unitId, pdu: Buffer.from(pdu) }));
    return frames;
  }

  /**
   * As push(), but hands each frame to `onFrame` as it is found, with the PDU as a view into the
   * received bytes instead of a copy and no frame objects: the client decodes a response at once
   * (decodeResponse copies what it keeps), so per response that saves a buffer, a copy and two
   * objects. A handler that keeps `pdu` must copy it. Throws as push() does; frames before the bad
   * header have been handed over by then.
   */
  each(chunk: Buffer, onFrame: MbapFrameHandler): void {
    const buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const resets = this.resets;
    let offset = 0;
    while (buffer.length - offset >= MBAP_HEADER_LENGTH) {
      const protocolId = buffer.readUInt16BE(offset + 2);
      const length = buffer.readUInt16BE(offset + 4);
      if (protocolId !== 0) {
        this.buffer = EMPTY;
        throw new ModbusFramingError(`MBAP protocol id ${protocolId}, expected 0: the stream is not Modbus TCP or is out of step`);
      }
      if (length < 2 || length > LIMITS.maxPduLength + 1) {
        this.buffer = EMPTY;
        throw new ModbusFramingError(`MBAP length ${length} is impossible (2–${LIMITS.maxPduLength + 1})`);
      }
      const total = 6 + length;
      if (buffer.length - offset < total) break;
      const start = offset;
      offset += total;
      // The rest is kept before the handler runs, so a handler that throws leaves the decoder after this frame.
      this.buffer = rest(buffer, offset);
      onFrame(buffer.readUInt16BE(start), buffer.readUInt8(start + 6), buffer.subarray(start + MBAP_HEADER_LENGTH, start + total));
      if (this.resets !== resets) return; // the handler dropped the connection: the rest belongs to nobody
    }
    this.buffer = rest(buffer, offset);
  }

  /** Bytes waiting for the rest of their frame. */
  get pending(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.buffer = EMPTY;
    this.resets++;
  }
}

function rest(buffer: Buffer, offset: number): Buffer {
  return offset === buffer.length ? EMPTY : offset === 0 ? buffer : buffer.subarray(offset);
}
