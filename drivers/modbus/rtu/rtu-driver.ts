/**
 * Modbus RTU driver: one per slave. Its requests go through the SerialBus that owns the port, so
 * the scheduler keeps one loop per device while the wire stays strictly serialised.
 *
 * A slave that stays silent through its retries is skipped for the rest of its cycle and backed
 * off (capped exponential, jittered): until its next probe its polls return at once with the
 * quality of the failure, without touching the wire, so a dead slave costs the live ones almost
 * nothing. A lost port is the port's problem (it reopens with its own backoff); it does not back
 * the slave off.
 */
import type { ModbusRtuDeviceConfig } from '../../../config/schema.js';
import type { Clock } from '../../../agent/model/clock.js';
import type { Quality, Sample } from '../../../agent/model/sample.js';
import type { Logger } from '../../../agent/runtime/logger.js';
import { Backoff } from '../../backoff.js';
import type { Driver, DriverStats } from '../../driver.js';
import { RoundTripWindow } from '../../round-trip-stats.js';
import { SerialPortUnavailableError } from '../../serial/serial-connection.js';
import { ModbusFramingError, exceptionName, type ModbusRequest, type ModbusResponse } from '../protocol/pdu.js';
import { buildReadPlan, type ReadBlock } from '../read-plan.js';
import { allFailed, blockSamples, type BlockOutcome, type FailedBlock } from './block-samples.js';
import { BusQueueFullError, BusTimeoutError, type SerialBus } from './serial-bus.js';

export interface ModbusRtuDriverOptions {
  /** First back-off after a silent cycle; default max(pollIntervalMs, 1000). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
}

export type WriteOutcome = { ok: true } | { ok: false; quality: Quality; reason: string; exceptionCode?: number };

type Attempt = { ok: true; response: ModbusResponse; mono: number } | { ok: false; failure: FailedBlock };

export class ModbusRtuDriver implements Driver {
  readonly deviceId: string;
  private readonly plan: ReadBlock[];
  private readonly backoff: Backoff;
  private readonly roundTrips = new RoundTripWindow();
  private readonly pointIds: string[];
  /** Monotonic time before which the slave is not asked again. */
  private probeAt = 0;
  private backedOffQuality: Quality = 'timeout';
  private closed = false;
  private readonly counters = {
    requests: 0,
    responses: 0,
    errors: { timeout: 0, exception: 0, framing: 0, connection: 0, exceptionsByCode: {} as Record<string, number> },
    writes: { requests: 0, confirmed: 0, failed: 0, readBackMismatches: 0 },
    /** Polls answered from the back-off without touching the wire. */
    skippedPolls: 0,
    reconnects: 0,
    lastSuccessAt: null as number | null,
    lastError: null as string | null,
  };

  constructor(
    private readonly device: ModbusRtuDeviceConfig,
    private readonly bus: SerialBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: ModbusRtuDriverOptions = {},
  ) {
    this.deviceId = device.id;
    this.pointIds = device.points.map((point) => point.id);
    this.plan = buildReadPlan(device.points, {
      maxGap: device.maxGap,
      maxRegistersPerRequest: device.maxRegistersPerRequest,
      maxBitsPerRequest: device.maxBitsPerRequest,
      prohibitedRanges: device.prohibitedRanges,
    });
    this.backoff = new Backoff(options.backoffMinMs ?? Math.max(device.pollIntervalMs, 1000), options.backoffMaxMs ?? 30_000, options.random);
    bus.attach();
  }

  get readPlan(): readonly ReadBlock[] {
    return this.plan;
  }

  /** "slave 3 on serial port rtu-1 (/dev/ttyUSB0)" */
  get endpoint(): string {
    return `slave ${this.device.unitId} on ${this.bus.label}`;
  }

  async poll(): Promise<Sample[]> {
    if (this.closed) return allFailed(this.deviceId, this.pointIds, 'comm_error', this.now());
    if (this.clock.monotonic() < this.probeAt) {
      this.counters.skippedPolls++;
      return allFailed(this.deviceId, this.pointIds, this.backedOffQuality, this.now());
    }
    if (!(await this.bus.ensureOpen())) {
      this.counters.errors.connection++;
      this.counters.lastError = this.bus.stats().port.lastError ?? `${this.bus.label} is not open`;
      return allFailed(this.deviceId, this.pointIds, 'comm_error', this.now());
    }
    const outcomes: BlockOutcome[] = [];
    let silent: FailedBlock | null = null;
    for (const block of this.plan) {
      if (silent) {
        outcomes.push({ kind: 'failed', quality: silent.quality, reason: 'skipped: the slave did not answer earlier in this cycle' });
        continue;
      }
      const outcome = await this.readBlock(block);
      outcomes.push(outcome);
      if (outcome.kind === 'failed' && (outcome.quality === 'timeout' || outcome.quality === 'comm_error')) silent = outcome;
    }
    if (silent?.quality === 'timeout') this.backOff(silent);
    else if (!silent) this.backoff.reset();
    return blockSamples(this.deviceId, this.plan, outcomes, this.now());
  }

  /** Writes holding registers: FC 6 for one value, FC 16 for several. */
  writeRegisters(address: number, values: readonly number[]): Promise<WriteOutcome> {
    const request: ModbusRequest = values.length === 1 ? { fc: 6, address, value: values[0]! } : { fc: 16, address, values };
    return this.write(request, `holding ${address}+${values.length}`);
  }

  /** Writes coils: FC 5 for one, FC 15 for several. */
  writeCoils(address: number, values: readonly boolean[]): Promise<WriteOutcome> {
    const request: ModbusRequest = values.length === 1 ? { fc: 5, address, value: values[0]! } : { fc: 15, address, values };
    return this.write(request, `coil ${address}+${values.length}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.bus.detach();
  }

  stats(): DriverStats & { skippedPolls: number; backedOffForMs: number } {
    const busStats = this.bus.stats();
    return {
      deviceId: this.deviceId,
      endpoint: this.endpoint,
      connected: busStats.port.open,
      requests: this.counters.requests,
      responses: this.counters.responses,
      errors: { ...this.counters.errors, exceptionsByCode: { ...this.counters.errors.exceptionsByCode } },
      blocksSplit: 0,
      writes: { ...this.counters.writes },
      discardedResponses: this.counters.errors.framing,
      reconnects: this.counters.reconnects,
      lastSuccessAt: this.counters.lastSuccessAt,
      lastError: this.counters.lastError,
      roundTripMs: this.roundTrips.percentiles(),
      skippedPolls: this.counters.skippedPolls,
      backedOffForMs: Math.max(0, Math.round(this.probeAt - this.clock.monotonic())),
    };
  }

  private async write(request: ModbusRequest, what: string): Promise<WriteOutcome> {
    if (this.closed) return { ok: false, quality: 'comm_error', reason: `${this.deviceId}: driver closed` };
    if (!(await this.bus.ensureOpen())) {
      return { ok: false, quality: 'comm_error', reason: this.bus.stats().port.lastError ?? `${this.bus.label} is not open` };
    }
    // A write is not retried: repeating a command the slave may already have carried out is the
    // caller's decision (it reads back), not the transport's.
    this.counters.writes.requests++;
    const attempt = await this.attempt(request, what);
    if (!attempt.ok) {
      this.counters.writes.failed++;
      return { ok: false, quality: attempt.failure.quality, reason: attempt.failure.reason };
    }
    if (attempt.response.kind === 'exception') {
      const code = attempt.response.exceptionCode;
      this.counters.writes.failed++;
      return { ok: false, quality: 'exception', exceptionCode: code, reason: `${this.where(what)}: exception ${code} (${exceptionName(code)})` };
    }
    // Acknowledged by the slave's echo only: `writes.confirmed` counts read-back confirmations, which
    // belong to the output layer (drivers/writes/) that will wrap these calls.
    return { ok: true };
  }

  private async readBlock(block: ReadBlock): Promise<BlockOutcome> {
    const what = `${block.table} ${block.address}+${block.quantity}`;
    let last: FailedBlock = { kind: 'failed', quality: 'timeout', reason: 'not attempted' };
    for (let attempt = 0; attempt <= this.device.retries; attempt++) {
      const result = await this.attempt({ fc: block.fc, address: block.address, quantity: block.quantity }, what);
      if (result.ok) {
        if (result.response.kind === 'exception') {
          const code = result.response.exceptionCode;
          this.counters.errors.exception++;
          this.counters.errors.exceptionsByCode[code] = (this.counters.errors.exceptionsByCode[code] ?? 0) + 1;
          this.counters.lastError = `${this.where(what)}: exception ${code} (${exceptionName(code)})`;
        }
        return { kind: 'response', response: result.response, receivedAt: this.clock.now(), mono: result.mono };
      }
      last = result.failure;
      // Silence and a corrupted answer are worth another try; a missing port or full queue is not.
      if (last.quality !== 'timeout' && last.quality !== 'framing_error') return last;
    }
    return last;
  }

  private async attempt(request: ModbusRequest, what: string): Promise<Attempt> {
    const started = this.clock.monotonic();
    this.counters.requests++;
    try {
      const response = await this.bus.transact(this.device.unitId, request, this.device.timeoutMs);
      const mono = this.clock.monotonic();
      this.roundTrips.add(mono - started);
      this.counters.responses++;
      this.counters.lastSuccessAt = this.clock.now();
      return { ok: true, response, mono };
    } catch (error) {
      return { ok: false, failure: this.classify(error, what) };
    }
  }

  private classify(error: unknown, what: string): FailedBlock {
    const message = error instanceof Error ? error.message : String(error);
    let quality: Quality;
    if (error instanceof BusTimeoutError) {
      this.counters.errors.timeout++;
      quality = 'timeout';
    } else if (error instanceof ModbusFramingError) {
      this.counters.errors.framing++;
      quality = 'framing_error';
    } else if (error instanceof SerialPortUnavailableError || error instanceof BusQueueFullError) {
      this.counters.errors.connection++;
      quality = 'comm_error';
    } else {
      this.counters.errors.connection++;
      quality = 'comm_error';
    }
    const reason = `${this.where(what)}: ${message}`;
    this.counters.lastError = reason;
    return { kind: 'failed', quality, reason };
  }

  private backOff(failure: FailedBlock): void {
    const delay = this.backoff.nextDelay();
    this.probeAt = this.clock.monotonic() + delay;
    this.backedOffQuality = failure.quality;
    const failures = this.backoff.consecutiveFailures;
    if (failures === 1 || failures % 20 === 0) {
      this.logger.warn({ device: this.deviceId, unitId: this.device.unitId, failures, nextProbeInMs: delay }, `${failure.reason}; not asked again for ${delay} ms`);
    }
  }

  private where(what: string): string {
    return `${this.deviceId} (${this.endpoint}) ${what}`;
  }

  private now(): { ts: number; mono: number } {
    return { ts: this.clock.now(), mono: this.clock.monotonic() };
  }
}
