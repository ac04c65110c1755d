/**
 * Modbus TCP driver: one connection per device, the read plan prepared at construction, a bounded
 * number of requests in flight, timeouts and retries per block, and reconnects paced by backoff so a
 * dead device costs its own cycle almost nothing and never the other devices' cycles.
 */
import type { ModbusTcpDeviceConfig } from '../../../config/schema.js';
import type { Clock } from '../../../agent/model/clock.js';
import type { Quality, Sample } from '../../../agent/model/sample.js';
import type { Logger } from '../../../agent/runtime/logger.js';
import { Backoff } from '../../backoff.js';
import type { Driver, DriverStats } from '../../driver.js';
import { RoundTripWindow } from '../../round-trip-stats.js';
import { decodePlannedPoint } from '../decode-point.js';
import { ModbusFramingError, exceptionName, type ModbusResponse } from '../protocol/pdu.js';
import { buildReadPlan, type ReadBlock } from '../read-plan.js';
import { ModbusConnectionError, ModbusTcpClient, ModbusTimeoutError } from './tcp-client.js';

/** After this many cycles in a row where the device did not answer, the connection is renewed. */
const RECONNECT_AFTER_SILENT_CYCLES = 3;

type FailedBlock = { kind: 'failed'; quality: Quality; reason: string };
type BlockOutcome = { kind: 'response'; response: ModbusResponse; receivedAt: number; mono: number } | FailedBlock;

export interface ModbusTcpDriverOptions {
  maxInflight?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export class ModbusTcpDriver implements Driver {
  readonly deviceId: string;
  private readonly client: ModbusTcpClient;
  private readonly plan: ReadBlock[];
  private readonly backoff: Backoff;
  private readonly roundTrips = new RoundTripWindow();
  private readonly maxInflight: number;
  private nextConnectAttemptAt = 0;
  private silentCycles = 0;
  private closed = false;
  private readonly counters = {
    requests: 0,
    responses: 0,
    errors: { timeout: 0, exception: 0, framing: 0, connection: 0 },
    reconnects: 0,
    lastSuccessAt: null as number | null,
    lastError: null as string | null,
  };

  constructor(
    private readonly device: ModbusTcpDeviceConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: ModbusTcpDriverOptions = {},
  ) {
    this.deviceId = device.id;
    this.maxInflight = options.maxInflight ?? 1;
    this.client = new ModbusTcpClient({
      host: device.host,
      port: device.port,
      connectTimeoutMs: device.timeoutMs,
      maxInflight: this.maxInflight,
    });
    this.plan = buildReadPlan(device.points, {
      maxGap: device.maxGap,
      maxRegistersPerRequest: device.maxRegistersPerRequest,
      maxBitsPerRequest: 2000,
    });
    this.backoff = new Backoff(options.reconnectMinMs ?? 500, options.reconnectMaxMs ?? 30_000);
  }

  /** The prepared blocks, for diagnostics and the coalescing benchmark. */
  get readPlan(): readonly ReadBlock[] {
    return this.plan;
  }

  async poll(): Promise<Sample[]> {
    if (!(await this.ensureConnected())) {
      return this.failAll('comm_error');
    }
    const outcomes = new Array<BlockOutcome | undefined>(this.plan.length);
    let deviceSilent = false;
    let nextBlock = 0;
    // A bounded pool of workers walks the plan; once the device stops answering, the rest of the
    // cycle is skipped rather than waited out block by block.
    const worker = async () => {
      while (nextBlock < this.plan.length) {
        const index = nextBlock++;
        if (deviceSilent) {
          outcomes[index] = { kind: 'failed', quality: 'timeout', reason: 'skipped: the device did not answer earlier in this cycle' };
          continue;
        }
        const outcome = await this.readBlock(this.plan[index]!);
        outcomes[index] = outcome;
        if (outcome.kind === 'failed' && (outcome.quality === 'timeout' || outcome.quality === 'comm_error')) deviceSilent = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.maxInflight, this.plan.length) }, worker));

    if (deviceSilent) {
      this.silentCycles++;
      if (this.silentCycles >= RECONNECT_AFTER_SILENT_CYCLES && this.client.connected) {
        this.logger.warn({ device: this.deviceId, endpoint: this.client.endpoint }, 'device silent for several cycles; renewing the connection');
        this.client.close();
      }
    } else {
      this.silentCycles = 0;
    }
    return this.toSamples(outcomes);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.close();
    return Promise.resolve();
  }

  stats(): DriverStats {
    return {
      deviceId: this.deviceId,
      endpoint: this.client.endpoint,
      connected: this.client.connected,
      requests: this.counters.requests,
      responses: this.counters.responses,
      errors: { ...this.counters.errors },
      discardedResponses: this.client.counters.unmatchedResponses,
      reconnects: this.counters.reconnects,
      lastSuccessAt: this.counters.lastSuccessAt,
      lastError: this.counters.lastError,
      roundTripMs: this.roundTrips.percentiles(),
    };
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
      this.counters.errors.connection++;
      const message = `${(error as Error).message}; next attempt in ${delay} ms`;
      if (this.backoff.consecutiveFailures === 1 || this.backoff.consecutiveFailures % 20 === 0) {
        this.logger.warn({ device: this.deviceId, endpoint: this.client.endpoint, failures: this.backoff.consecutiveFailures }, message);
      }
      this.counters.lastError = message;
      return false;
    }
  }

  private async readBlock(block: ReadBlock): Promise<BlockOutcome> {
    let last: FailedBlock = { kind: 'failed', quality: 'timeout', reason: 'not attempted' };
    for (let attempt = 0; attempt <= this.device.retries; attempt++) {
      const started = this.clock.monotonic();
      this.counters.requests++;
      try {
        const response = await this.client.request(
          this.device.unitId,
          { fc: block.fc, address: block.address, quantity: block.quantity },
          this.device.timeoutMs,
        );
        const mono = this.clock.monotonic();
        this.roundTrips.add(mono - started);
        this.counters.responses++;
        this.counters.lastSuccessAt = this.clock.now();
        if (response.kind === 'exception') {
          this.counters.errors.exception++;
          this.counters.lastError = `${block.table} ${block.address}+${block.quantity}: exception ${response.exceptionCode} (${exceptionName(response.exceptionCode)})`;
        }
        return { kind: 'response', response, receivedAt: this.clock.now(), mono };
      } catch (error) {
        last = this.classify(error, block);
        // Only silence is worth a retry within the cycle; a refused or broken connection is not.
        if (last.quality !== 'timeout') return last;
      }
    }
    return last;
  }

  private classify(error: unknown, block: ReadBlock): FailedBlock {
    const where = `${this.deviceId} (${this.client.endpoint} unit ${this.device.unitId}) ${block.table} ${block.address}+${block.quantity}`;
    const message = error instanceof Error ? error.message : String(error);
    let quality: Quality;
    if (error instanceof ModbusTimeoutError) {
      this.counters.errors.timeout++;
      quality = 'timeout';
    } else if (error instanceof ModbusFramingError) {
      this.counters.errors.framing++;
      quality = 'framing_error';
    } else if (error instanceof ModbusConnectionError) {
      this.counters.errors.connection++;
      quality = 'comm_error';
    } else {
      this.counters.errors.connection++;
      quality = 'comm_error';
    }
    const reason = `${where}: ${message}`;
    this.counters.lastError = reason;
    return { kind: 'failed', quality, reason };
  }

  private toSamples(outcomes: ReadonlyArray<BlockOutcome | undefined>): Sample[] {
    const samples: Sample[] = [];
    const fallbackTs = this.clock.now();
    const fallbackMono = this.clock.monotonic();
    this.plan.forEach((block, index) => {
      const outcome = outcomes[index] ?? { kind: 'failed', quality: 'timeout', reason: 'not read' };
      for (const planned of block.points) {
        const base = { deviceId: this.deviceId, pointId: planned.point.id };
        if (outcome.kind === 'failed') {
          samples.push({ ...base, value: null, quality: outcome.quality, ts: fallbackTs, mono: fallbackMono });
          continue;
        }
        const { response, receivedAt, mono } = outcome;
        if (response.kind === 'exception') {
          samples.push({ ...base, value: null, quality: 'exception', ts: receivedAt, mono, exceptionCode: response.exceptionCode });
          continue;
        }
        const decoded = decodePlannedPoint(planned, response);
        samples.push(
          decoded.ok
            ? { ...base, value: decoded.value, quality: 'good', ts: receivedAt, mono }
            : { ...base, value: null, quality: decoded.quality, ts: receivedAt, mono },
        );
      }
    });
    return samples;
  }

  private failAll(quality: Quality): Sample[] {
    const ts = this.clock.now();
    const mono = this.clock.monotonic();
    return this.device.points.map((point) => ({ deviceId: this.deviceId, pointId: point.id, value: null, quality, ts, mono }));
  }
}
