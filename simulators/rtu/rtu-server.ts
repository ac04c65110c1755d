/**
 * A Modbus RTU slave (or several, one per unit id) on one serial link: frames the requests
 * (request-framer.ts), executes them with the same dispatch as the TCP server, and answers with
 * address + PDU + CRC. Like a real multi-drop bus, a frame for an address nobody serves gets no
 * answer, and a broadcast (address 0) is executed by every unit and answered by none.
 *
 * Faults (per unit, `UnitFaults`): silent and disconnect (the slave is off the bus) → no answer;
 * exception → that exception; delayMs → a late answer; corruptFraction → line noise on the answer.
 */
import { encodeRtuFrame } from '../../drivers/modbus/rtu/rtu-frame.js';
import { encodeException, ExceptionCode } from '../../drivers/modbus/protocol/pdu.js';
import type { ModbusUnit } from '../modbus/data-model.js';
import { executeRequest } from '../modbus/dispatch.js';
import { UnitFaults } from '../modbus/faults.js';
import type { SerialLink } from '../serial/serial-link.js';
import { LineNoise } from './line-noise.js';
import { RtuRequestFramer, type RtuRequestFrame } from './request-framer.js';

export interface RtuServerOptions {
  /** Seeds the line noise. */
  seed: number;
  /** Quiet time after which buffered bytes count as a whole (or torn) frame; default 20 ms (a pty has no baud timing). */
  idleMs?: number;
}

export interface RtuServerStats {
  requests: number;
  responses: number;
  exceptions: number;
  crcErrors: number;
  discardedBytes: number;
  unknownUnitRequests: number;
  silencedRequests: number;
  corruptedBytes: number;
}

const BROADCAST = 0;

export class RtuServer {
  private readonly units = new Map<number, { unit: ModbusUnit; faults: UnitFaults }>();
  private readonly framer = new RtuRequestFramer();
  private readonly noise: LineNoise;
  private readonly idleMs: number;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly lateAnswers = new Set<NodeJS.Timeout>();
  private readonly counters = { requests: 0, responses: 0, exceptions: 0, unknownUnitRequests: 0, silencedRequests: 0 };
  private closed = false;

  constructor(
    private readonly link: SerialLink,
    options: RtuServerOptions,
  ) {
    this.noise = new LineNoise(options.seed);
    this.idleMs = options.idleMs ?? 20;
    link.onData((chunk) => this.receive(chunk));
  }

  addUnit(unitId: number, unit: ModbusUnit, faults = new UnitFaults()): UnitFaults {
    if (!Number.isInteger(unitId) || unitId < 1 || unitId > 247) throw new RangeError(`RTU slave address must be 1–247, got ${unitId}`);
    if (this.units.has(unitId)) throw new Error(`slave address ${unitId} is already served on this line`);
    this.units.set(unitId, { unit, faults });
    return faults;
  }

  stats(): RtuServerStats {
    const { crcErrors, discardedBytes } = this.framer.stats;
    return { ...this.counters, crcErrors, discardedBytes, corruptedBytes: this.noise.corruptedBytes };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const timer of this.lateAnswers) clearTimeout(timer);
    this.lateAnswers.clear();
    await this.link.close();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    for (const frame of this.framer.push(chunk)) this.handle(frame);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.framer.buffered > 0) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        const frame = this.framer.flushIdle();
        if (frame) this.handle(frame);
      }, this.idleMs);
    }
  }

  private handle(frame: RtuRequestFrame): void {
    this.counters.requests++;
    if (frame.unitId === BROADCAST) {
      for (const { unit, faults } of this.units.values()) if (!faults.silent && !faults.disconnect) executeRequest(unit, frame.pdu);
      return;
    }
    const mounted = this.units.get(frame.unitId);
    if (!mounted) {
      this.counters.unknownUnitRequests++;
      return;
    }
    const { unit, faults } = mounted;
    if (faults.silent || faults.disconnect) {
      this.counters.silencedRequests++;
      return;
    }
    const fc = frame.pdu[0] ?? 0;
    const pdu = faults.exception !== null ? encodeException(fc, faults.exception) : isKnownFunction(fc) ? executeRequest(unit, frame.pdu) : encodeException(fc, ExceptionCode.illegalFunction);
    this.counters.responses++;
    if ((pdu[0] ?? 0) & 0x80) this.counters.exceptions++;
    const bytes = this.noise.apply(encodeRtuFrame(frame.unitId, pdu), faults.corruptFraction);
    if (faults.delayMs <= 0) {
      this.link.write(bytes);
      return;
    }
    const timer = setTimeout(() => {
      this.lateAnswers.delete(timer);
      if (!this.closed) this.link.write(bytes);
    }, faults.delayMs);
    this.lateAnswers.add(timer);
  }
}

function isKnownFunction(fc: number): boolean {
  return (fc >= 1 && fc <= 6) || fc === 15 || fc === 16;
}
