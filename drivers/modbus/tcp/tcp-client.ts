/**
 * A Modbus TCP client connection of our own (not modbus-serial's): it matches every response to its
 * request by transaction id and unit id, validates it fully before decoding, allows a bounded number
 * of requests in flight, and has a timeout on every request and on the connect.
 */
import net from 'node:net';
import { MbapDecoder, encodeMbapRequest } from '../protocol/mbap.js';
import { ModbusFramingError, decodeResponse, type ModbusRequest, type ModbusResponse } from '../protocol/pdu.js';

export class ModbusTimeoutError extends Error {
  override readonly name = 'ModbusTimeoutError';
}

/** The connection is down or went down while the request waited. */
export class ModbusConnectionError extends Error {
  override readonly name = 'ModbusConnectionError';
}

export interface ModbusTcpClientOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** Requests on the wire at once; a request beyond this is refused (the caller paces itself). */
  maxInflight: number;
}

export interface ModbusTcpClientCounters {
  /** Responses whose transaction id matched nothing waiting (late after a timeout, or foreign). */
  unmatchedResponses: number;
  /** Responses that failed validation (wrong unit, function, length) and were discarded. */
  framingErrors: number;
  /** Streams dropped because the MBAP header was out of step. */
  streamResyncs: number;
}

interface PendingRequest {
  unitId: number;
  request: ModbusRequest;
  resolve: (response: ModbusResponse) => void;
  reject: (error: Error) => void;
  /** performance.now() after which the request has timed out. */
  deadline: number;
  timeoutMs: number;
}

export class ModbusTcpClient {
  readonly counters: ModbusTcpClientCounters = { unmatchedResponses: 0, framingErrors: 0, streamResyncs: 0 };
  private socket: net.Socket | null = null;
  private readonly decoder = new MbapDecoder();
  private readonly pending = new Map<number, PendingRequest>();
  private nextTransactionId = 1;
  /**
   * One timer for all requests in flight, armed for the earliest deadline, instead of a setTimeout
   * and clearTimeout per request: at 10 Hz polling that was a Timeout object and two timer-list
   * operations per request. It is left running when an answer comes; when it fires it times out what
   * is overdue and re-arms for the next deadline (a request is never timed out before its deadline).
   */
  private timer: NodeJS.Timeout | null = null;
  /** performance.now() the timer fires at; meaningless while `timer` is null. */
  private timerDueAt = 0;
  private readonly onTimer = () => this.expireOverdue();
  private readonly onFrame = (transactionId: number, unitId: number, pdu: Buffer) => this.answer(transactionId, unitId, pdu);

  constructor(private readonly options: ModbusTcpClientOptions) {}

  get connected(): boolean {
    return this.socket !== null && !this.socket.destroyed && this.socket.readyState === 'open';
  }

  get inflight(): number {
    return this.pending.size;
  }

  get endpoint(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.dropSocket(new ModbusConnectionError('reconnecting'));
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.options.host, port: this.options.port });
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new ModbusConnectionError(`cannot connect to ${this.endpoint}: ${error.message}`));
      };
      const timer = setTimeout(
        () => fail(new Error(`no answer within ${this.options.connectTimeoutMs} ms (check the address, cabling and that the device is powered)`)),
        this.options.connectTimeoutMs,
      );
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 10_000);
        this.decoder.reset();
        this.socket = socket;
        socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
        socket.on('error', (error) => this.onSocketGone(socket, error.message));
        socket.on('close', () => this.onSocketGone(socket, 'connection closed by the device'));
        resolve();
      });
    });
  }

  /** Sends one request and resolves with its validated response (which may be a Modbus exception). */
  request(unitId: number, request: ModbusRequest, timeoutMs: number): Promise<ModbusResponse> {
    const socket = this.socket;
    if (!socket || !this.connected) return Promise.reject(new ModbusConnectionError(`not connected to ${this.endpoint}`));
    if (this.pending.size >= this.options.maxInflight) {
      return Promise.reject(new Error(`${this.options.maxInflight} request(s) already in flight to ${this.endpoint}`));
    }
    const transactionId = this.allocateTransactionId();
    const frame = encodeMbapRequest(transactionId, unitId, request);
    return new Promise<ModbusResponse>((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      this.pending.set(transactionId, { unitId, request, resolve, reject, deadline, timeoutMs });
      this.armTimer(deadline);
      socket.write(frame);
    });
  }

  close(): void {
    this.dropSocket(new ModbusConnectionError(`connection to ${this.endpoint} closed`));
  }

  private allocateTransactionId(): number {
    // Skip ids still waiting so a late answer can never be taken for a new request's.
    for (let tries = 0; tries < 0x10000; tries++) {
      const id = this.nextTransactionId;
      this.nextTransactionId = id === 0xffff ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
    throw new Error('no free Modbus transaction id');
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    try {
      this.decoder.each(chunk, this.onFrame);
    } catch (error) {
      this.counters.streamResyncs++;
      this.dropSocket(new ModbusConnectionError(`stream from ${this.endpoint} out of step (${(error as Error).message}); reconnecting`));
    }
  }

  /** One response frame; `pdu` is a view into the received bytes, decoded (copied) here and not kept. */
  private answer(transactionId: number, unitId: number, pdu: Buffer): void {
    const waiting = this.pending.get(transactionId);
    if (!waiting) {
      this.counters.unmatchedResponses++;
      return;
    }
    this.pending.delete(transactionId);
    if (unitId !== waiting.unitId) {
      this.counters.framingErrors++;
      waiting.reject(new ModbusFramingError(`response from unit ${unitId} to a request for unit ${waiting.unitId}`));
      return;
    }
    let response: ModbusResponse;
    try {
      response = decodeResponse(waiting.request, pdu);
    } catch (error) {
      this.counters.framingErrors++;
      waiting.reject(error as Error);
      return;
    }
    waiting.resolve(response);
  }

  /** Makes sure the timer fires no later than `deadline`. */
  private armTimer(deadline: number): void {
    if (this.timer !== null && this.timerDueAt <= deadline) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerDueAt = deadline;
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(deadline - performance.now())));
  }

  /** Times out every request past its deadline; re-arms for the earliest one still waiting. */
  private expireOverdue(): void {
    this.timer = null;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, waiting] of this.pending) {
      if (waiting.deadline <= now) {
        this.pending.delete(id);
        waiting.reject(new ModbusTimeoutError(`no response from ${this.endpoint} unit ${waiting.unitId} within ${waiting.timeoutMs} ms`));
      } else if (waiting.deadline < next) {
        next = waiting.deadline;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.armTimer(next);
  }

  private onSocketGone(socket: net.Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.dropSocket(new ModbusConnectionError(`connection to ${this.endpoint} lost: ${reason}`));
  }

  private dropSocket(error: Error): void {
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.removeAllListeners('data');
      socket.on('error', () => {}); // a late error on a dropped socket must not crash the process
      socket.destroy();
    }
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      waiting.reject(error);
    }
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.decoder.reset();
  }
}
