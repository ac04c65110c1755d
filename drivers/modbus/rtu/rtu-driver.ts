/**
 * Modbus RTU driver: one per slave. Its requests go through the SerialBus that owns the port, so
 * the scheduler keeps one loop per device while the wire stays strictly serialised.
 *
 * Same contract as the TCP driver: the read plan is built once and adapts when the slave answers
 * "illegal data address" (split per point, logged once); prohibited ranges are never read; output
 * writes go through drivers/writes/ (declared outputs only, read back); the same statistics.
 *
 * A slave that stays silent through its retries is skipped for the rest of its cycle and backed
 * off (capped exponential, jittered): until its next probe its polls return at once with the
 * quality of the failure, without touching the wire, so a dead slave costs the live ones almost
 * nothing. A lost port is the port's problem (it reopens with its own backoff); it does not back
 * the slave off.
 */
import type { ModbusRtuDeviceConfig, PointConfig } from '../../../config/schema.js';
import type { Clock } from '../../../agent/model/clock.js';
import type { Quality, Sample } from '../../../agent/model/sample.js';
import type { Logger } from '../../../agent/runtime/logger.js';
import { Backoff } from '../../backoff.js';
import type { DriverStats } from '../../driver.js';
import { executeWrite } from '../../writes/execute-write.js';
import type { WritableDriver, WriteResult, WriteValue } from '../../writes/write-result.js';
import { AdaptiveReadPlan } from '../adaptive-read-plan.js';
import { allFailed, blockSamples, type FailedBlock } from '../block-samples.js';
import { runReadPlan, type BlockReader } from '../run-read-plan.js';
import { DriverCounters } from '../driver-counters.js';
import { ModbusFramingError, exceptionName, type ModbusRequest, type ModbusResponse } from '../protocol/pdu.js';
import { buildReadPlan, type ReadBlock } from '../read-plan.js';
import { BusTimeoutError, type SerialBus } from './serial-bus.js';

export interface ModbusRtuDriverOptions {
  /** First back-off after a silent cycle; default max(pollIntervalMs, 1000). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
}

export interface ModbusRtuDriverStats extends DriverStats {
  /** Polls answered from the back-off without touching the wire. */
  skippedPolls: number;
  backedOffForMs: number;
}

export class ModbusRtuDriver implements WritableDriver {
  readonly deviceId: string;
  private readonly plan: AdaptiveReadPlan;
  private readonly pointsById: ReadonlyMap<string, PointConfig>;
  private readonly pointIds: readonly string[];
  private readonly backoff: Backoff;
  private readonly counters = new DriverCounters();
  /** Built once: the read-plan walk calls it for every block of every cycle. */
  private readonly reader: BlockReader;
  private skippedPolls = 0;
  /** Monotonic time before which the slave is not asked again. */
  private probeAt = 0;
  private backedOffQuality: Quality = 'timeout';
  private closed = false;

  constructor(
    private readonly device: ModbusRtuDeviceConfig,
    private readonly bus: SerialBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: ModbusRtuDriverOptions = {},
  ) {
    this.deviceId = device.id;
    this.pointsById = new Map(device.points.map((point) => [point.id, point]));
    this.pointIds = device.points.map((point) => point.id);
    const initial = buildReadPlan(device.points, {
      maxGap: device.maxGap,
      maxRegistersPerRequest: device.maxRegistersPerRequest,
      maxBitsPerRequest: device.maxBitsPerRequest,
      prohibitedRanges: device.prohibitedRanges,
    });
    this.plan = new AdaptiveReadPlan(initial, device.id, logger);
    this.backoff = new Backoff(options.backoffMinMs ?? Math.max(device.pollIntervalMs, 1000), options.backoffMaxMs ?? 30_000, options.random);
    this.reader = {
      send: (block) => this.send(block),
      classify: (error, block) => this.classify(error, block),
      /* Silence and a corrupted answer are worth another try; a missing port or full queue is not. */
      retryable: (failure) => failure.quality === 'timeout' || failure.quality === 'framing_error',
      retries: device.retries,
      clock,
    };
    bus.attach();
  }

  /** The blocks read each cycle (after any illegal-address splits), for diagnostics and benchmarks. */
  get readPlan(): readonly ReadBlock[] {
    return this.plan.blocks;
  }

  /** "slave 3 on serial port rtu-1 (/dev/ttyUSB0)" */
  get endpoint(): string {
    return `slave ${this.device.unitId} on ${this.bus.label}`;
  }

  async poll(): Promise<Sample[]> {
    if (this.closed) return allFailed(this.deviceId, this.pointIds, 'comm_error', this.now());
    if (this.clock.monotonic() < this.probeAt) {
      this.skippedPolls++;
      return allFailed(this.deviceId, this.pointIds, this.backedOffQuality, this.now());
    }
    if (!(await this.bus.ensureOpen())) {
      this.counters.error('connection', this.bus.stats().port.lastError ?? `${this.bus.label} is not open`);
      return allFailed(this.deviceId, this.pointIds, 'comm_error', this.now());
    }
    // One request at a time: the bus serializes anyway, and a slave answers one at a time.
    const { outcomes, silent } = await runReadPlan(this.plan, this.reader, 1);
    if (silent?.quality === 'timeout') this.backOff(silent);
    else if (!silent) this.backoff.reset();
    return blockSamples(this.deviceId, this.plan.blocks, outcomes, this.now());
  }

  /** Writes an output point and reads it back; never throws (see WriteResult). */
  async write(pointId: string, value: WriteValue): Promise<WriteResult> {
    // Refusals (unknown point, not an output, bad value) need no port: only real writes open it.
    const unavailable = this.pointsById.get(pointId)?.output === true ? await this.unavailableReason() : null;
    const result: WriteResult =
      unavailable === null
        ? await executeWrite({ deviceId: this.deviceId, points: this.pointsById, send: (request) => this.send(request) }, pointId, value)
        : { ok: false, deviceId: this.deviceId, pointId, error: 'device_error', message: `device ${this.deviceId} (${this.endpoint}): ${unavailable}` };
    if (result.ok) this.counters.write('confirmed');
    else if (result.error === 'read_back_mismatch') this.counters.write('mismatch');
    else if (result.error === 'device_error') this.counters.write('failed');
    if (!result.ok && result.error !== 'unknown_point') this.logger.warn({ device: this.deviceId, point: pointId, error: result.error }, result.message);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.bus.detach();
  }

  stats(): ModbusRtuDriverStats {
    return {
      ...this.counters.snapshot({
        deviceId: this.deviceId,
        endpoint: this.endpoint,
        connected: this.bus.isOpen,
        discardedResponses: this.bus.lateAnswersFrom(this.device.unitId),
        blocksSplit: this.plan.splits,
      }),
      skippedPolls: this.skippedPolls,
      backedOffForMs: Math.max(0, Math.round(this.probeAt - this.clock.monotonic())),
    };
  }

  /** Why a write cannot go on the wire now, or null when the port is open. */
  private async unavailableReason(): Promise<string | null> {
    if (this.closed) return 'driver closed';
    if (await this.bus.ensureOpen()) return null;
    return this.bus.stats().port.lastError ?? `${this.bus.label} is not open`;
  }

  /**
   * One request on the bus, counted; throws the bus's typed errors. A write is never retried here:
   * repeating a command the slave may already have carried out is for the caller to decide.
   */
  private async send(request: ModbusRequest): Promise<ModbusResponse> {
    const started = this.clock.monotonic();
    this.counters.requests++;
    const { unitId, timeoutMs, postTimeoutQuietMs } = this.device;
    const response = await this.bus.transact(unitId, request, timeoutMs, postTimeoutQuietMs ?? timeoutMs);
    this.counters.response(this.clock.monotonic() - started, this.clock.now());
    if (response.kind === 'exception') {
      const code = response.exceptionCode;
      this.counters.exception(code, `${this.deviceId} (${this.endpoint}) function ${request.fc} at ${request.address}: exception ${code} (${exceptionName(code)})`);
    }
    return response;
  }

  private classify(error: unknown, block: ReadBlock): FailedBlock {
    const reason = `${this.deviceId} (${this.endpoint}) ${block.table} ${block.address}+${block.quantity}: ${error instanceof Error ? error.message : String(error)}`;
    if (error instanceof BusTimeoutError) {
      this.counters.error('timeout', reason);
      return { kind: 'failed', quality: 'timeout', reason };
    }
    if (error instanceof ModbusFramingError) {
      this.counters.error('framing', reason);
      return { kind: 'failed', quality: 'framing_error', reason };
    }
    // SerialPortUnavailableError, BusQueueFullError, or anything unforeseen: not the slave's fault.
    this.counters.error('connection', reason);
    return { kind: 'failed', quality: 'comm_error', reason };
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

  private now(): { ts: number; mono: number } {
    return { ts: this.clock.now(), mono: this.clock.monotonic() };
  }
}
