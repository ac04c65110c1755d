/**
 * The substation's Modbus TCP connection as the positioning driver uses it: connect with backoff,
 * read registers with retries on silence, classify every failure into a sample quality with a
 * reason, and count it all for DriverStats. The same policy as the generic TCP driver
 * (drivers/modbus/tcp/tcp-driver.ts), reduced to register reads.
 */
import type { ModbusTcpDeviceConfig } from '../../config/schema.js';
import type { Clock } from '../../agent/model/clock.js';
import type { Quality } from '../../agent/model/sample.js';
import type { Logger } from '../../agent/runtime/logger.js';
import { Backoff } from '../backoff.js';
import type { DriverStats } from '../driver.js';
import { DriverCounters } from '../modbus/driver-counters.js';
import { ModbusFramingError, exceptionName, type ModbusResponse, type ReadFunctionCode } from '../modbus/protocol/pdu.js';
import { RequestSlots } from '../modbus/request-slots.js';
import { ModbusTcpClient, ModbusTimeoutError } from '../modbus/tcp/tcp-client.js';

/** After this many cycles in a row where the device did not answer, the connection is renewed. */
const RECONNECT_AFTER_SILENT_CYCLES = 3;

export type ReadFailure = { ok: false; quality: Quality; reason: string };
export type RegisterRead = { ok: true; registers: Uint16Array; receivedAt: number; mono: number } | ReadFailure;
/** The raw answer, for the generic sample builder (exceptions included). */
export type RawAnswer = { ok: true; response: ModbusResponse; receivedAt: number; mono: number } | ReadFailure;

export interface LinkOptions {
  maxInflight: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export class PositioningLink {
  readonly maxInflight: number;
  private readonly client: ModbusTcpClient;
  private readonly slots: RequestSlots;
  private readonly backoff: Backoff;
  private readonly counters = new DriverCounters();
  private nextConnectAttemptAt = 0;
  private silentCycles = 0;
  private closed = false;

  constructor(
    private readonly device: ModbusTcpDeviceConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: LinkOptions,
  ) {
    this.maxInflight = options.maxInflight;
    this.slots = new RequestSlots(options.maxInflight);
    this.client = new ModbusTcpClient({ host: device.host, port: device.port, connectTimeoutMs: device.timeoutMs, maxInflight: options.maxInflight });
    this.backoff = new Backoff(options.reconnectMinMs, options.reconnectMaxMs);
  }

  get endpoint(): string {
    return this.client.endpoint;
  }

  /** Connected, or a failure saying why not (closed, refused, waiting out the backoff). */
  async connect(): Promise<ReadFailure | null> {
    if (this.client.connected) return null;
    if (this.closed) return { ok: false, quality: 'comm_error', reason: `${this.device.id}: driver closed` };
    if (this.clock.monotonic() < this.nextConnectAttemptAt) {
      return { ok: false, quality: 'comm_error', reason: `${this.device.id} (${this.endpoint}) not connected: ${this.counters.lastError ?? 'waiting to reconnect'}` };
    }
    try {
      await this.client.connect();
      if (this.counters.lastSuccessAt !== null || this.backoff.consecutiveFailures > 0) this.counters.reconnects++;
      this.backoff.reset();
      this.logger.info({ device: this.device.id, endpoint: this.endpoint }, 'connected');
      return null;
    } catch (error) {
      const delay = this.backoff.nextDelay();
      this.nextConnectAttemptAt = this.clock.monotonic() + delay;
      const reason = `${(error as Error).message}; next attempt in ${delay} ms`;
      this.counters.error('connection', reason);
      if (this.backoff.consecutiveFailures === 1 || this.backoff.consecutiveFailures % 20 === 0) {
        this.logger.warn({ device: this.device.id, endpoint: this.endpoint, failures: this.backoff.consecutiveFailures }, reason);
      }
      return { ok: false, quality: 'comm_error', reason };
    }
  }

  /** Input registers, or a failure (an exception answer included) with its quality and reason. */
  async readInputs(address: number, quantity: number): Promise<RegisterRead> {
    const answer = await this.read(4, address, quantity);
    if (!answer.ok) return answer;
    if (answer.response.kind === 'registers') return { ok: true, registers: answer.response.registers, receivedAt: answer.receivedAt, mono: answer.mono };
    if (answer.response.kind === 'exception') {
      const code = answer.response.exceptionCode;
      return { ok: false, quality: 'exception', reason: `${this.where(address, quantity)}: exception ${code} (${exceptionName(code)})` };
    }
    return { ok: false, quality: 'framing_error', reason: `${this.where(address, quantity)}: unexpected ${answer.response.kind} answer` };
  }

  /** One read with retries on silence; exceptions come back as answers, not failures. */
  async read(fc: ReadFunctionCode, address: number, quantity: number): Promise<RawAnswer> {
    let last: ReadFailure = { ok: false, quality: 'timeout', reason: 'not attempted' };
    for (let attempt = 0; attempt <= this.device.retries; attempt++) {
      try {
        const response = await this.send(fc, address, quantity);
        return { ok: true, response, receivedAt: this.clock.now(), mono: this.clock.monotonic() };
      } catch (error) {
        last = this.classify(error, address, quantity);
        // Only silence is worth a retry within the cycle; a refused or broken connection is not.
        if (last.quality !== 'timeout') return last;
      }
    }
    return last;
  }

  /** Called once per cycle: renews a connection the device has stopped answering on. */
  endCycle(deviceSilent: boolean): void {
    if (!deviceSilent) {
      this.silentCycles = 0;
      return;
    }
    this.silentCycles++;
    if (this.silentCycles >= RECONNECT_AFTER_SILENT_CYCLES && this.client.connected) {
      this.logger.warn({ device: this.device.id, endpoint: this.endpoint }, 'device silent for several cycles; renewing the connection');
      this.client.close();
    }
  }

  close(): void {
    this.closed = true;
    this.client.close();
  }

  stats(): DriverStats {
    return this.counters.snapshot({
      deviceId: this.device.id,
      endpoint: this.endpoint,
      connected: this.client.connected,
      discardedResponses: this.client.counters.unmatchedResponses,
      blocksSplit: 0,
    });
  }

  private send(fc: ReadFunctionCode, address: number, quantity: number): Promise<ModbusResponse> {
    return this.slots.run(async () => {
      const started = this.clock.monotonic();
      this.counters.requests++;
      const response = await this.client.request(this.device.unitId, { fc, address, quantity }, this.device.timeoutMs);
      this.counters.response(this.clock.monotonic() - started, this.clock.now());
      if (response.kind === 'exception') {
        const code = response.exceptionCode;
        this.counters.exception(code, `function ${fc} at ${address}: exception ${code} (${exceptionName(code)})`);
      }
      return response;
    });
  }

  private where(address: number, quantity: number): string {
    return `${this.device.id} (${this.endpoint} unit ${this.device.unitId}) input ${address}+${quantity}`;
  }

  private classify(error: unknown, address: number, quantity: number): ReadFailure {
    const reason = `${this.where(address, quantity)}: ${error instanceof Error ? error.message : String(error)}`;
    if (error instanceof ModbusTimeoutError) {
      this.counters.error('timeout', reason);
      return { ok: false, quality: 'timeout', reason };
    }
    if (error instanceof ModbusFramingError) {
      this.counters.error('framing', reason);
      return { ok: false, quality: 'framing_error', reason };
    }
    this.counters.error('connection', reason);
    return { ok: false, quality: 'comm_error', reason };
  }
}
