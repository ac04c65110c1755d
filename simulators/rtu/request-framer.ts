/**
 * Finds Modbus RTU request frames in a serial byte stream, as a slave must: RTU frames carry no
 * length, so the length follows from the function code (8 bytes for FC1–6, 9 + byte count for
 * FC15/16). A candidate whose CRC fails is noise or a frame we joined mid-way: drop one byte and
 * try again (resynchronise). Bytes that sit incomplete past the inter-frame silence are a torn
 * frame and are discarded by `flushIdle()`. Bounded by `maxBufferedBytes`.
 */
import { crc16Modbus } from '../../drivers/modbus/rtu/crc16.js';

/** Address + function + 2 × (address, quantity/value) + CRC. */
const FIXED_REQUEST_LENGTH = 8;
/** Address + function + address + quantity + byte count (before the data and the CRC). */
const MULTIPLE_WRITE_HEADER = 7;
const MAX_RTU_FRAME = 256;

export interface RtuRequestFrame {
  unitId: number;
  pdu: Buffer;
}

export interface FramerStats {
  frames: number;
  crcErrors: number;
  /** Bytes dropped while resynchronising, discarding torn frames or overflow. */
  discardedBytes: number;
}

export class RtuRequestFramer {
  private buffer = Buffer.alloc(0);
  readonly stats: FramerStats = { frames: 0, crcErrors: 0, discardedBytes: 0 };

  constructor(private readonly maxBufferedBytes = 1024) {}

  push(chunk: Buffer): RtuRequestFrame[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > this.maxBufferedBytes) this.discard(this.buffer.length - this.maxBufferedBytes);
    const frames: RtuRequestFrame[] = [];
    for (;;) {
      const length = expectedRequestLength(this.buffer);
      if (length === null) break; // need more bytes to know
      if (length === 'unknown') {
        // A function code we cannot size: noise in front of a real frame, or a request we answer
        // "illegal function" once the line goes quiet (flushIdle). A whole valid frame further on
        // settles it as noise.
        const skip = this.offsetOfNextValidFrame();
        if (skip === null) break;
        this.stats.crcErrors++;
        this.discard(skip);
        continue;
      }
      if (this.buffer.length < length) break;
      const candidate = this.buffer.subarray(0, length);
      if (crc16Modbus(candidate, 0, length - 2) === candidate.readUInt16LE(length - 2)) {
        frames.push({ unitId: candidate[0]!, pdu: Buffer.from(candidate.subarray(1, length - 2)) });
        this.stats.frames++;
        this.buffer = this.buffer.subarray(length);
      } else {
        this.stats.crcErrors++;
        this.discard(1);
      }
    }
    return frames;
  }

  /**
   * The line has been quiet for the inter-frame silence: whatever is buffered is one whole frame
   * (an unsized function code, answered "illegal function" if its CRC holds) or a torn one.
   */
  flushIdle(): RtuRequestFrame | null {
    const bytes = this.buffer;
    this.buffer = Buffer.alloc(0);
    if (bytes.length === 0) return null;
    if (bytes.length >= 4 && bytes.length <= MAX_RTU_FRAME && crc16Modbus(bytes, 0, bytes.length - 2) === bytes.readUInt16LE(bytes.length - 2)) {
      this.stats.frames++;
      return { unitId: bytes[0]!, pdu: Buffer.from(bytes.subarray(1, bytes.length - 2)) };
    }
    this.stats.discardedBytes += bytes.length;
    return null;
  }

  /** Offset (≥ 1) of the first complete, CRC-valid, sizeable frame in the buffer, or null. */
  private offsetOfNextValidFrame(): number | null {
    for (let offset = 1; offset + FIXED_REQUEST_LENGTH <= this.buffer.length; offset++) {
      const rest = this.buffer.subarray(offset);
      const length = expectedRequestLength(rest);
      if (typeof length === 'number' && length <= rest.length && crc16Modbus(rest, 0, length - 2) === rest.readUInt16LE(length - 2)) return offset;
    }
    return null;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  private discard(count: number): void {
    this.stats.discardedBytes += count;
    this.buffer = this.buffer.subarray(count);
  }
}

/** Total frame length for the request at the start of `bytes`; null = not enough bytes yet. */
function expectedRequestLength(bytes: Buffer): number | 'unknown' | null {
  if (bytes.length < 2) return null;
  const fc = bytes[1]!;
  if (fc >= 1 && fc <= 6) return FIXED_REQUEST_LENGTH;
  if (fc === 15 || fc === 16) return bytes.length < MULTIPLE_WRITE_HEADER ? null : MULTIPLE_WRITE_HEADER + bytes[6]! + 2;
  return 'unknown';
}
