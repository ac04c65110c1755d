/**
 * A fast Modbus TCP server for simulated devices. modbus-serial's ServerTCP adds a millisecond or
 * more per request, which would swamp the numbers our benchmarks measure; this one answers
 * synchronously from the data event, batches the answers to pipelined requests into one write and
 * serves many connections and many unit ids on one port.
 *
 * - Unknown unit id: no answer by default, as a device that is not on the network
 *   (`unknownUnit: 'gateway-exception'` answers exception 11, as a TCP/RTU gateway does).
 * - A frame whose MBAP header cannot be Modbus closes that connection (TCP offers no way to find
 *   the next frame boundary) and is counted in `framingErrors`. A well-framed but malformed PDU is
 *   answered with the exception the specification prescribes.
 * - Bounded: at most `maxConnections` connections, at most `maxPendingPerConnection` late answers
 *   per connection (beyond that requests are dropped and counted), and a client that does not read
 *   its answers is paused until its socket drains.
 */
import net from 'node:net';
import { MbapDecoder, encodeMbap, type MbapFrame } from '../../drivers/modbus/protocol/mbap.js';
import { ExceptionCode, ModbusFramingError, encodeException } from '../../drivers/modbus/protocol/pdu.js';
import type { ModbusUnit } from './data-model.js';
import { executeRequest } from './dispatch.js';
import { UnitFaults } from './faults.js';

export interface ModbusTcpServerOptions {
  /** 'ignore' (default): no answer to an unknown unit id; 'gateway-exception': exception 11. */
  unknownUnit?: 'ignore' | 'gateway-exception';
  /** Connections held at once; more are closed on accept and counted (default 64). */
  maxConnections?: number;
  /** Late answers (delayMs fault) waiting per connection; more requests are dropped (default 256). */
  maxPendingPerConnection?: number;
}

export interface ModbusTcpServerStats {
  requests: number;
  /** Answers sent, normal and exception. */
  responses: number;
  /** Exception answers among `responses`. */
  exceptions: number;
  connectionsOpen: number;
  connectionsAccepted: number;
  /** Closed on accept: too many connections or a `disconnect` fault. */
  connectionsRefused: number;
  /** Connections closed because their byte stream was not Modbus TCP. */
  framingErrors: number;
  unknownUnitRequests: number;
  /** Requests swallowed by a `silent` fault. */
  silencedRequests: number;
  /** Requests dropped because too many late answers were already waiting. */
  droppedRequests: number;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`port ${port} on ${host} is already in use: stop whatever holds it, or ask for port 0 to get a free port`);
  }
}

interface MountedUnit {
  unit: ModbusUnit;
  faults: UnitFaults;
}

interface Connection {
  socket: net.Socket;
  decoder: MbapDecoder;
  lateAnswers: Set<NodeJS.Timeout>;
}

export class ModbusTcpServer {
  private readonly server = net.createServer({ noDelay: true });
  private readonly units = new Map<number, MountedUnit>();
  private readonly connections = new Set<Connection>();
  private readonly unknownUnit: 'ignore' | 'gateway-exception';
  private readonly maxConnections: number;
  private readonly maxPendingPerConnection: number;
  private readonly counters: Omit<ModbusTcpServerStats, 'connectionsOpen'> = {
    requests: 0,
    responses: 0,
    exceptions: 0,
    connectionsAccepted: 0,
    connectionsRefused: 0,
    framingErrors: 0,
    unknownUnitRequests: 0,
    silencedRequests: 0,
    droppedRequests: 0,
  };
  private boundPort: number | null = null;

  constructor(options: ModbusTcpServerOptions = {}) {
    this.unknownUnit = options.unknownUnit ?? 'ignore';
    this.maxConnections = options.maxConnections ?? 64;
    this.maxPendingPerConnection = options.maxPendingPerConnection ?? 256;
    this.server.on('connection', (socket) => this.accept(socket));
  }

  /** Serves `unit` under `unitId` and returns its fault switches. */
  addUnit(unitId: number, unit: ModbusUnit): UnitFaults {
    if (!Number.isInteger(unitId) || unitId < 0 || unitId > 255) throw new RangeError(`unit id must be 0–255, got ${unitId}`);
    if (this.units.has(unitId)) throw new Error(`unit id ${unitId} is already served on this port`);
    const faults = new UnitFaults(() => this.dropAllConnections());
    this.units.set(unitId, { unit, faults });
    return faults;
  }

  faults(unitId: number): UnitFaults {
    const mounted = this.units.get(unitId);
    if (!mounted) throw new Error(`no unit ${unitId} on this server`);
    return mounted.faults;
  }

  /** Starts listening; resolves with the bound port (pass 0 for a free one). */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(error.code === 'EADDRINUSE' ? new PortInUseError(host, port) : error);
      };
      this.server.once('error', onError);
      this.server.listen({ port, host, exclusive: true }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : port;
        resolve(this.boundPort);
      });
    });
  }

  get port(): number | null {
    return this.boundPort;
  }

  stats(): ModbusTcpServerStats {
    return { ...this.counters, connectionsOpen: this.connections.size };
  }

  /** Stops listening and closes every connection now; late answers still waiting are discarded. */
  close(): Promise<void> {
    this.dropAllConnections();
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }

  private accept(socket: net.Socket): void {
    const linkDown = [...this.units.values()].some((mounted) => mounted.faults.disconnect);
    if (linkDown || this.connections.size >= this.maxConnections) {
      this.counters.connectionsRefused++;
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    this.counters.connectionsAccepted++;
    const connection: Connection = { socket, decoder: new MbapDecoder(), lateAnswers: new Set() };
    this.connections.add(connection);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(connection, chunk));
    // Resets by the peer are normal for a server; 'close' follows and cleans up.
    socket.on('error', () => {});
    socket.on('close', () => this.forget(connection));
  }

  private receive(connection: Connection, chunk: Buffer): void {
    let frames: MbapFrame[];
    try {
      frames = connection.decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof ModbusFramingError)) throw error;
      this.counters.framingErrors++;
      connection.socket.destroy();
      return;
    }
    const answersNow: Buffer[] = [];
    for (const frame of frames) {
      if (connection.socket.destroyed) return;
      const answer = this.handle(connection, frame);
      if (answer) answersNow.push(answer);
    }
    if (answersNow.length > 0) this.send(connection, answersNow.length === 1 ? answersNow[0]! : Buffer.concat(answersNow));
  }

  /** Returns the answer frame to send now, or null when there is none (yet). */
  private handle(connection: Connection, frame: MbapFrame): Buffer | null {
    this.counters.requests++;
    const functionCode = frame.pdu[0] ?? 0;
    const mounted = this.units.get(frame.unitId);
    if (!mounted) {
      this.counters.unknownUnitRequests++;
      if (this.unknownUnit === 'ignore') return null;
      return this.answer(frame, encodeException(functionCode, ExceptionCode.gatewayTargetFailedToRespond));
    }
    const { faults } = mounted;
    if (faults.disconnect) {
      connection.socket.destroy();
      return null;
    }
    if (faults.silent) {
      this.counters.silencedRequests++;
      return null;
    }
    const pdu = faults.exception !== null ? encodeException(functionCode, faults.exception) : executeRequest(mounted.unit, frame.pdu);
    if (faults.delayMs <= 0) return this.answer(frame, pdu);
    this.answerLate(connection, frame, pdu, faults.delayMs);
    return null;
  }

  private answer(frame: MbapFrame, pdu: Buffer): Buffer {
    this.counters.responses++;
    if ((pdu[0] ?? 0) & 0x80) this.counters.exceptions++;
    return encodeMbap(frame.transactionId, frame.unitId, pdu);
  }

  private answerLate(connection: Connection, frame: MbapFrame, pdu: Buffer, delayMs: number): void {
    if (connection.lateAnswers.size >= this.maxPendingPerConnection) {
      this.counters.droppedRequests++;
      return;
    }
    const timer = setTimeout(() => {
      connection.lateAnswers.delete(timer);
      if (!connection.socket.destroyed) this.send(connection, this.answer(frame, pdu));
    }, delayMs);
    connection.lateAnswers.add(timer);
  }

  private send(connection: Connection, bytes: Buffer): void {
    const { socket } = connection;
    // Backpressure: a client that does not read its answers stops being read, which bounds memory.
    if (!socket.write(bytes) && !socket.isPaused()) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  }

  private forget(connection: Connection): void {
    for (const timer of connection.lateAnswers) clearTimeout(timer);
    connection.lateAnswers.clear();
    this.connections.delete(connection);
  }

  private dropAllConnections(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }
}
