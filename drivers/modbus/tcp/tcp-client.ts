/**
 * A Modbus TCP client connection of our own (not modbus-serial's): it matches every response to its
 * request by transaction id and unit id, validates it fully before decoding, allows a bounded number
 * of requests in flight, and has a timeout on every request and on the connect.
 */
import net from 'node:net';
import { MbapDecoder, encodeMbap, type MbapFrame } from '../protocol/mbap.js';
import { ModbusFramingError, decodeResponse, encodeRequest, type ModbusRequest, type ModbusResponse } from '../protocol/pdu.js';

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
  timer: NodeJS.Timeout;
}

export class ModbusTcpClient {
  readonly counters: ModbusTcpClientCounters = { unmatchedResponses: 0, framingErrors: 0, streamResyncs: 0 };
  private socket: net.Socket | null = null;
  private readonly decoder = new MbapDecoder();
  private readonly pending = new Map<number, PendingRequest>();
  private nextTransactionId = 1;

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
    const frame = encodeMbap(transactionId, unitId, encodeRequest(request));
    return new Promise<ModbusResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transactionId);
        reject(new ModbusTimeoutError(`no response from ${this.endpoint} unit ${unitId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(transactionId, { unitId, request, resolve, reject, timer });
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
    let frames: MbapFrame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.counters.streamResyncs++;
      this.dropSocket(new ModbusConnectionError(`stream from ${this.endpoint} out of step (${(error as Error).message}); reconnecting`));
      return;
    }
    for (const frame of frames) this.onFrame(frame);
  }

  private onFrame(frame: MbapFrame): void {
    const waiting = this.pending.get(frame.transactionId);
    if (!waiting) {
      this.counters.unmatchedResponses++;
      return;
    }
    this.pending.delete(frame.transactionId);
    clearTimeout(waiting.timer);
    if (frame.unitId !== waiting.unitId) {
      this.counters.framingErrors++;
      waiting.reject(new ModbusFramingError(`response from unit ${frame.unitId} to a request for unit ${waiting.unitId}`));
      return;
    }
    try {
      waiting.resolve(decodeResponse(waiting.request, frame.pdu));
    } catch (error) {
      this.counters.framingErrors++;
      waiting.reject(error as Error);
    }
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
      clearTimeout(waiting.timer);
      this.pending.delete(id);
      waiting.reject(error);
    }
    this.decoder.reset();
  }
}
