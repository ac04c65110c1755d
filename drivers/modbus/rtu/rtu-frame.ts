/**
 * RTU framing: [slave address][PDU][CRC lo][CRC hi].
 *
 * RTU frames carry no length and no transaction id, so the only safe way to find the end of a
 * response is to know, from the request, how long it must be: an exception is always 5 bytes, a
 * normal answer 1 + expectedResponseLength(request) + 2. The reader checks, in order, slave address,
 * function code, length and CRC, and only then lets the PDU codec decode it (which checks byte
 * count and write echoes again). Anything that fails is a ModbusFramingError: counted, discarded,
 * never turned into values.
 */
import { ModbusFramingError, decodeResponse, expectedResponseLength, requestLength, writeRequest, type ModbusRequest, type ModbusResponse } from '../protocol/pdu.js';
import { crc16Modbus, hasValidCrc } from './crc16.js';

/** Address + function + exception code + CRC. */
const EXCEPTION_FRAME_LENGTH = 5;
/** Address + CRC around the PDU. */
const FRAME_OVERHEAD = 3;

export const MIN_UNIT_ID = 1;
export const MAX_UNIT_ID = 247;

/** Encodes a request frame for one slave. Broadcast (address 0) is not used: it has no answer to check. */
export function encodeRtuRequest(unitId: number, request: ModbusRequest): Buffer {
  if (!Number.isInteger(unitId) || unitId < MIN_UNIT_ID || unitId > MAX_UNIT_ID) {
    throw new RangeError(`RTU slave address must be ${MIN_UNIT_ID}–${MAX_UNIT_ID}, got ${unitId}`);
  }
  // The PDU is written into the frame itself: one buffer per request, no copy.
  const frame = Buffer.allocUnsafe(requestLength(request) + FRAME_OVERHEAD);
  writeRequest(request, frame, 1);
  frame.writeUInt8(unitId, 0);
  const crc = crc16Modbus(frame, 0, frame.length - 2);
  frame.writeUInt16LE(crc, frame.length - 2);
  return frame;
}

/** Server side (simulators, benchmark): the same framing around a response PDU. */
export function encodeRtuFrame(unitId: number, pdu: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(pdu.length + FRAME_OVERHEAD);
  frame.writeUInt8(unitId, 0);
  pdu.copy(frame, 1);
  frame.writeUInt16LE(crc16Modbus(frame, 0, frame.length - 2), frame.length - 2);
  return frame;
}

/** Length of the complete normal response frame to `request`. */
export function expectedResponseFrameLength(request: ModbusRequest): number {
  return expectedResponseLength(request) + FRAME_OVERHEAD;
}

/** Why a response frame was rejected; kept apart so the statistics can tell noise from a confused slave. */
export type RtuRejectReason = 'address' | 'function' | 'crc' | 'content';

export class RtuFrameError extends ModbusFramingError {
  constructor(
    readonly reason: RtuRejectReason,
    message: string,
  ) {
    super(message);
  }
}

export type ReaderState = { done: false } | { done: true; response: ModbusResponse; trailingBytes: number };

/**
 * Collects the bytes of one response. `push` returns `{ done: false }` until the frame is complete,
 * then the validated response; it throws RtuFrameError as soon as the bytes cannot be this
 * request's answer (a wrong address or function is known from the first two bytes, so the bus need
 * not wait out the timeout to resynchronise).
 */
export class RtuResponseReader {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private readonly normalLength: number;

  constructor(
    private readonly unitId: number,
    private readonly request: ModbusRequest,
  ) {
    this.normalLength = expectedResponseFrameLength(request);
  }

  get bytesReceived(): number {
    return this.received;
  }

  push(chunk: Buffer): ReaderState {
    this.chunks.push(chunk);
    this.received += chunk.length;
    if (this.received < 2) return { done: false };
    const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const address = head[0]!;
    const fc = head[1]!;
    if (address !== this.unitId) {
      throw new RtuFrameError('address', `answer from slave address ${address}, expected ${this.unitId} (two slaves with one address, or noise on the line)`);
    }
    const isException = fc === (this.request.fc | 0x80);
    if (fc !== this.request.fc && !isException) {
      throw new RtuFrameError('function', `answer with function code ${fc} to a request with function ${this.request.fc}`);
    }
    const length = isException ? EXCEPTION_FRAME_LENGTH : this.normalLength;
    if (this.received < length) return { done: false };
    const frame = Buffer.concat(this.chunks, this.received).subarray(0, length);
    if (!hasValidCrc(frame)) {
      throw new RtuFrameError('crc', `CRC mismatch on a ${length}-byte answer (check cabling, termination, baud rate and parity)`);
    }
    try {
      const response = decodeResponse(this.request, frame.subarray(1, length - 2));
      return { done: true, response, trailingBytes: this.received - length };
    } catch (error) {
      throw new RtuFrameError('content', (error as Error).message);
    }
  }
}
