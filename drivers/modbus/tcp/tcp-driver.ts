/**
 * Modbus TCP driver: one connection per device, the read plan prepared at construction, a bounded
 * number of requests in flight, timeouts and retries per block, and reconnects paced by backoff so a
 * dead device costs its own cycle almost nothing and never the other devices' cycles.
 */
import type { ModbusTcpDeviceConfig, PointConfig } from '../../../config/schema.js';
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
import { RequestSlots } from '../request-slots.js';
import { ModbusTcpClient, ModbusTimeoutError } from './tcp-client.js';

/** After this many cycles in a row where the device did not answer, the connection is renewed. */
const RECONNECT_AFTER_SILENT_CYCLES = 3;

export interface ModbusTcpDriverOptions {
  maxInflight?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export class ModbusTcpDriver implements WritableDriver {
  readonly deviceId: string;
  private readonly client: ModbusTcpClient;
  private readonly plan: AdaptiveReadPlan;
  private readonly pointsById: ReadonlyMap<string, PointConfig>;
  private readonly pointIds: readonly string[];
  private readonly backoff: Backoff;
  private readonly slots: RequestSlots;
  private readonly maxInflight: number;
  private readonly counters = new DriverCounters();
  /** Built once: the read-plan walk calls it for every block of every cycle. */
  private readonly reader: BlockReader;
  private nextConnectAttemptAt = 0;
  private silentCycles = 0;
  private closed = false;

  constructor(
    private readonly device: ModbusTcpDeviceConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: ModbusTcpDriverOptions = {},
  ) {
    this.deviceId = device.id;
    this.maxInflight = options.maxInflight ?? 1;
    this.slots = new RequestSlots(this.maxInflight);
    this.client = new ModbusTcpClient({
      host: device.host,
      port: device.port,
      connectTimeoutMs: device.timeoutMs,
      maxInflight: this.maxInflight,
    });
    const initial = buildReadPlan(device.points, {
      maxGap: device.maxGap,
      maxRegistersPerRequest: device.maxRegistersPerRequest,
      maxBitsPerRequest: device.maxBitsPerRequest,
      prohibitedRanges: device.prohibitedRanges,
    });
    this.plan = new AdaptiveReadPlan(initial, device.id, logger);
    this.pointsById = new Map(device.points.map((point) => [point.id, point]));
    this.pointIds = device.points.map((point) => point.id);
    this.backoff = new Backoff(options.reconnectMinMs ?? 500, options.reconnectMaxMs ?? 30_000);
    this.reader = {
      send: (block) => this.send(block),
      classify: (error, block) => this.classify(error, block),
      /* Only silence is worth a retry within the cycle; a refused or broken connection is not. */
      retryable: (failure) => failure.quality === 'timeout',
      retries: device.retries,
      clock,
    };
  }

  /** The blocks read each cycle (after any illegal-address splits), for diagnostics and the coalescing benchmark. */
  get readPlan(): readonly ReadBlock[] {
    return this.plan.blocks;
  }

  async poll(): Promise<Sample[]> {
    if (!(await this.ensureConnected())) {
      return this.failAll('comm_error');
    }
    const { outcomes, silent } = await runReadPlan(this.plan, this.reader, this.maxInflight);
    const deviceSilent = silent !== null;

    if (deviceSilent) {
      this.silentCycles++;
      if (this.silentCycles >= RECONNECT_AFTER_SILENT_CYCLES && this.client.connected) {
        this.logger.warn({ device: this.deviceId, endpoint: this.client.endpoint }, 'device silent for several cycles; renewing the connection');
        this.client.close();
      }
    } else {
      this.silentCycles = 0;
    }
    return blockSamples(this.deviceId, this.plan.blocks, outcomes, { ts: this.clock.now(), mono: this.clock.monotonic() });
  }

  /** Writes an output point and reads it back; never throws (see WriteResult). */
  async write(pointId: string, value: WriteValue): Promise<WriteResult> {
    // Refusals (unknown point, not an output, bad value) need no connection: only real writes connect.
    const connected = this.pointsById.get(pointId)?.output === true ? await this.ensureConnected() : true;
    const result = connected
      ? await executeWrite({ deviceId: this.deviceId, points: this.pointsById, send: (request) => this.send(request) }, pointId, value)
      : {
          ok: false as const,
          deviceId: this.deviceId,
          pointId,
          error: 'device_error' as const,
          message: `device ${this.deviceId} (${this.client.endpoint}) is not connected: ${this.counters.lastError ?? 'no connection yet'}`,
        };
    if (result.ok) this.counters.write('confirmed');
    else if (result.error === 'read_back_mismatch') this.counters.write('mismatch');
    else if (result.error === 'device_error') this.counters.write('failed');
    if (!result.ok && result.error !== 'unknown_point') this.logger.warn({ device: this.deviceId, point: pointId, error: result.error }, result.message);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.close();
    return Promise.resolve();
  }

  stats(): DriverStats {
    return this.counters.snapshot({
      deviceId: this.deviceId,
      endpoint: this.client.endpoint,
      connected: this.client.connected,
      discardedResponses: this.client.counters.unmatchedResponses,
      blocksSplit: this.plan.splits,
    });
  }

  private async ensureConnected(): Promise<boolean> {
    if (this.client.connected) return true;
    if (this.closed) {
      this.counters.lastError = 'driver closed';
      return false;
    }
    const now = this.clock.monotonic();
    if (now < this.nextConnectAttemptAt) return false;
    try {
      await this.client.connect();
      if (this.counters.lastSuccessAt !== null || this.backoff.consecutiveFailures > 0) this.counters.reconnects++;
      this.backoff.reset();
      this.logger.info({ device: this.deviceId, endpoint: this.client.endpoint }, 'connected');
      return true;
    } catch (error) {
      const delay = this.backoff.nextDelay();
      this.nextConnectAttemptAt = this.clock.monotonic() + delay;
      const message = `${(error as Error).message}; next attempt in ${delay} ms`;
      this.counters.error('connection', message);
      if (this.backoff.consecutiveFailures === 1 || this.backoff.consecutiveFailures % 20 === 0) {
        this.logger.warn({ device: this.deviceId, endpoint: this.client.endpoint, failures: this.backoff.consecutiveFailures }, message);
      }
      return false;
    }
  }

  /** One request through the device's slots, counted; throws the client's typed errors. */
  private async send(request: ModbusRequest): Promise<ModbusResponse> {
    const wait = this.slots.acquire();
    if (wait !== null) await wait; // rejects when too many wait: nothing was taken, nothing to release
    try {
      const started = this.clock.monotonic();
      this.counters.requests++;
      const response = await this.client.request(this.device.unitId, request, this.device.timeoutMs);
      this.counters.response(this.clock.monotonic() - started, this.clock.now());
      if (response.kind === 'exception') {
        const code = response.exceptionCode;
        this.counters.exception(code, `function ${request.fc} at ${request.address}: exception ${code} (${exceptionName(code)})`);
      }
      return response;
    } finally {
      this.slots.release();
    }
  }

  private classify(error: unknown, block: ReadBlock): FailedBlock {
    const where = `${this.deviceId} (${this.client.endpoint} unit ${this.device.unitId}) ${block.table} ${block.address}+${block.quantity}`;
    const reason = `${where}: ${error instanceof Error ? error.message : String(error)}`;
    if (error instanceof ModbusTimeoutError) {
      this.counters.error('timeout', reason);
      return { kind: 'failed', quality: 'timeout', reason };
    }
    if (error instanceof ModbusFramingError) {
      this.counters.error('framing', reason);
      return { kind: 'failed', quality: 'framing_error', reason };
    }
    this.counters.error('connection', reason);
    return { kind: 'failed', quality: 'comm_error', reason };
  }

  private failAll(quality: Quality): Sample[] {
    return allFailed(this.deviceId, this.pointIds, quality, { ts: this.clock.now(), mono: this.clock.monotonic() });
  }
}
