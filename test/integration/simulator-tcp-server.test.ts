/**
 * The simulator's Modbus TCP server over real loopback sockets: pipelining, many connections and
 * unit ids, framing errors, faults, ports and shutdown.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MbapDecoder, encodeMbap, type MbapFrame } from '../../drivers/modbus/protocol/mbap.js';
import { ExceptionCode, decodeResponse, encodeRequest, type ModbusRequest } from '../../drivers/modbus/protocol/pdu.js';
import { RegisterImage, type ModbusUnit } from '../../simulators/modbus/data-model.js';
import { ModbusTcpServer, PortInUseError, type ModbusTcpServerOptions } from '../../simulators/modbus/tcp-server.js';
import { deviceOf, startSimulators } from '../../simulators/run.js';

/** A unit whose input register n holds n + base, so answers show which unit and address they came from. */
function countingUnit(base: number, size = 200): ModbusUnit {
  const image = new RegisterImage();
  image.defineRegisters('input', 0, size);
  image.defineRegisters('holding', 0, 10);
  image.defineBits('coil', 0, 8);
  image.defineBits('discrete_input', 0, 8);
  image.setRegisters('input', 0, Array.from({ length: size }, (_, i) => (base + i) & 0xffff));
  return {
    readBits: (table, address, quantity) => image.readBits(table, address, quantity),
    readRegisters: (table, address, quantity) => image.readRegisters(table, address, quantity),
    writeCoils: (address, values) => {
      if (!image.coversBits('coil', address, values.length)) return { ok: false, exceptionCode: ExceptionCode.illegalDataAddress };
      values.forEach((on, i) => image.setBit('coil', address + i, on));
      return { ok: true, value: undefined };
    },
    writeRegisters: (address, values) => {
      if (!image.coversRegisters('holding', address, values.length)) return { ok: false, exceptionCode: ExceptionCode.illegalDataAddress };
      image.setRegisters('holding', address, values);
      return { ok: true, value: undefined };
    },
  };
}

/** A bare Modbus TCP client that shows exactly what came back on the wire. */
class RawClient {
  readonly frames: MbapFrame[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new MbapDecoder();
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.decoder.push(chunk));
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => this.wake());
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  request(transactionId: number, unitId: number, request: ModbusRequest): void {
    this.send(encodeMbap(transactionId, unitId, encodeRequest(request)));
  }

  /** Waits until `count` frames arrived in all, or throws after `timeoutMs`. */
  async waitForFrames(count: number, timeoutMs = 2000): Promise<MbapFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.destroyed) throw new Error(`got ${this.frames.length} of ${count} answers`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.slice(0, count);
  }

  /** Resolves true if the connection closes within `ms`. */
  closesWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(units: Record<number, ModbusUnit>, options?: ModbusTcpServerOptions): Promise<{ server: ModbusTcpServer; port: number }> {
  const server = new ModbusTcpServer(options);
  for (const [unitId, unit] of Object.entries(units)) server.addUnit(Number(unitId), unit);
  const port = await server.listen(0);
  cleanups.push(() => server.close());
  return { server, port };
}

async function connect(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  cleanups.push(() => client.close());
  return client;
}

const registersOf = (request: ModbusRequest, frame: MbapFrame) => {
  const response = decodeResponse(request, frame.pdu);
  if (response.kind !== 'registers') throw new Error(`expected registers, got ${JSON.stringify(response)}`);
  return [...response.registers];
};

const exceptionOf = (request: ModbusRequest, frame: MbapFrame) => decodeResponse(request, frame.pdu);

describe('ModbusTcpServer', () => {
  it('answers 50 pipelined requests sent in one write, each with its own transaction id', async () => {
    const { server, port } = await serve({ 1: countingUnit(1000) });
    const client = await connect(port);
    const requests = Array.from({ length: 50 }, (_, i): { transactionId: number; request: ModbusRequest } => ({
      transactionId: 40_000 + i * 7,
      request: { fc: 4, address: i, quantity: 2 },
    }));
    client.send(Buffer.concat(requests.map(({ transactionId, request }) => encodeMbap(transactionId, 1, encodeRequest(request)))));
    const frames = await client.waitForFrames(50);
    expect(frames.map((f) => f.transactionId)).toEqual(requests.map((r) => r.transactionId));
    frames.forEach((frame, i) => expect(registersOf(requests[i]!.request, frame)).toEqual([1000 + i, 1001 + i]));
    expect(server.stats()).toMatchObject({ requests: 50, responses: 50, exceptions: 0 });
  });

  it('reassembles requests split across writes', async () => {
    const { port } = await serve({ 1: countingUnit(0) });
    const client = await connect(port);
    const request: ModbusRequest = { fc: 4, address: 5, quantity: 1 };
    const bytes = Buffer.concat([encodeMbap(1, 1, encodeRequest(request)), encodeMbap(2, 1, encodeRequest(request))]);
    for (let i = 0; i < bytes.length; i += 5) {
      client.send(bytes.subarray(i, i + 5));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const frames = await client.waitForFrames(2);
    expect(frames.map((f) => [f.transactionId, registersOf(request, f)])).toEqual([
      [1, [5]],
      [2, [5]],
    ]);
  });

  it('serves many connections at once', async () => {
    const { server, port } = await serve({ 1: countingUnit(0) });
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(port)));
    clients.forEach((client, i) => client.request(i, 1, { fc: 4, address: i, quantity: 1 }));
    const answers = await Promise.all(clients.map((client) => client.waitForFrames(1)));
    answers.forEach(([frame], i) => expect(registersOf({ fc: 4, address: i, quantity: 1 }, frame!)).toEqual([i]));
    expect(server.stats()).toMatchObject({ connectionsOpen: 20, connectionsAccepted: 20 });
  });

  it('serves several unit ids on one port and ignores unknown ones by default', async () => {
    const { server, port } = await serve({ 1: countingUnit(100), 2: countingUnit(200) });
    const client = await connect(port);
    const request: ModbusRequest = { fc: 4, address: 3, quantity: 1 };
    client.request(1, 1, request);
    client.request(2, 9, request); // nobody there: no answer
    client.request(3, 2, request);
    const frames = await client.waitForFrames(2);
    expect(frames.map((f) => [f.transactionId, f.unitId, registersOf(request, f)])).toEqual([
      [1, 1, [103]],
      [3, 2, [203]],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.frames).toHaveLength(2);
    expect(server.stats().unknownUnitRequests).toBe(1);
  });

  it('answers an unknown unit id with exception 11 when configured as a gateway', async () => {
    const { port } = await serve({ 1: countingUnit(0) }, { unknownUnit: 'gateway-exception' });
    const client = await connect(port);
    const request: ModbusRequest = { fc: 3, address: 0, quantity: 1 };
    client.request(5, 42, request);
    const [frame] = await client.waitForFrames(1);
    expect(frame!.unitId).toBe(42);
    expect(exceptionOf(request, frame!)).toEqual({ kind: 'exception', exceptionCode: ExceptionCode.gatewayTargetFailedToRespond });
  });

  it('answers exceptions for addresses outside the map and for unknown functions', async () => {
    const { server, port } = await serve({ 1: countingUnit(0, 10) });
    const client = await connect(port);
    const outside: ModbusRequest = { fc: 4, address: 8, quantity: 3 };
    client.request(1, 1, outside);
    client.send(encodeMbap(2, 1, Buffer.from([0x2b, 0x0e, 0x01, 0x00]))); // FC43: not served
    const [first, second] = await client.waitForFrames(2);
    expect(exceptionOf(outside, first!)).toEqual({ kind: 'exception', exceptionCode: ExceptionCode.illegalDataAddress });
    expect(second!.pdu).toEqual(Buffer.from([0xab, ExceptionCode.illegalFunction]));
    expect(server.stats().exceptions).toBe(2);
  });

  it('writes coils and registers into the unit', async () => {
    const { port } = await serve({ 1: countingUnit(0) });
    const client = await connect(port);
    client.request(1, 1, { fc: 16, address: 2, values: [0xbeef, 0x1234] });
    client.request(2, 1, { fc: 3, address: 2, quantity: 2 });
    client.request(3, 1, { fc: 15, address: 1, values: [true, false, true] });
    client.request(4, 1, { fc: 1, address: 0, quantity: 4 });
    const frames = await client.waitForFrames(4);
    expect(decodeResponse({ fc: 16, address: 2, values: [0xbeef, 0x1234] }, frames[0]!.pdu)).toEqual({ kind: 'written', address: 2, quantity: 2 });
    expect(registersOf({ fc: 3, address: 2, quantity: 2 }, frames[1]!)).toEqual([0xbeef, 0x1234]);
    expect(decodeResponse({ fc: 1, address: 0, quantity: 4 }, frames[3]!.pdu)).toEqual({ kind: 'bits', bits: [false, true, false, true] });
  });

  it('closes a connection whose stream is not Modbus TCP, counts it, and keeps serving the others', async () => {
    const { server, port } = await serve({ 1: countingUnit(0) });
    const bad = await connect(port);
    const good = await connect(port);
    bad.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(await bad.closesWithin(1000)).toBe(true);
    good.request(1, 1, { fc: 4, address: 0, quantity: 1 });
    await good.waitForFrames(1);
    expect(server.stats().framingErrors).toBe(1);
  });

  describe('faults', () => {
    it('silent: receives, never answers; answers again once cleared', async () => {
      const { server, port } = await serve({ 1: countingUnit(0) });
      const faults = server.faults(1);
      const client = await connect(port);
      faults.silent = true;
      client.request(1, 1, { fc: 4, address: 0, quantity: 1 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(client.frames).toHaveLength(0);
      faults.silent = false;
      client.request(2, 1, { fc: 4, address: 0, quantity: 1 });
      const [frame] = await client.waitForFrames(1);
      expect(frame!.transactionId).toBe(2);
      expect(server.stats()).toMatchObject({ requests: 2, silencedRequests: 1, responses: 1 });
    });

    it('delayMs: answers late', async () => {
      const { server, port } = await serve({ 1: countingUnit(0) });
      server.faults(1).delayMs = 150;
      const client = await connect(port);
      const started = performance.now();
      client.request(1, 1, { fc: 4, address: 0, quantity: 1 });
      await client.waitForFrames(1);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('delayMs: bounds the late answers waiting on one connection', async () => {
      const { server, port } = await serve({ 1: countingUnit(0) }, { maxPendingPerConnection: 5 });
      server.faults(1).delayMs = 100;
      const client = await connect(port);
      client.send(Buffer.concat(Array.from({ length: 8 }, (_, i) => encodeMbap(i, 1, encodeRequest({ fc: 4, address: 0, quantity: 1 })))));
      await client.waitForFrames(5);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(client.frames.map((f) => f.transactionId)).toEqual([0, 1, 2, 3, 4]);
      expect(server.stats().droppedRequests).toBe(3);
    });

    it('exception: answers every request with the code and does not execute it', async () => {
      const { server, port } = await serve({ 1: countingUnit(0) });
      server.faults(1).exception = ExceptionCode.serverDeviceFailure;
      const client = await connect(port);
      const write: ModbusRequest = { fc: 6, address: 0, value: 77 };
      client.request(1, 1, write);
      const [frame] = await client.waitForFrames(1);
      expect(exceptionOf(write, frame!)).toEqual({ kind: 'exception', exceptionCode: 4 });
      server.faults(1).exception = null;
      const read: ModbusRequest = { fc: 3, address: 0, quantity: 1 };
      client.request(2, 1, read);
      const frames = await client.waitForFrames(2);
      expect(registersOf(read, frames[1]!)).toEqual([0]);
    });

    it('disconnect: closes open connections, refuses new ones until cleared', async () => {
      const { server, port } = await serve({ 1: countingUnit(0) });
      const client = await connect(port);
      server.faults(1).disconnect = true;
      expect(await client.closesWithin(500)).toBe(true);
      const refused = await connect(port);
      expect(await refused.closesWithin(500)).toBe(true);
      expect(server.stats().connectionsRefused).toBe(1);
      server.faults(1).disconnect = false;
      const again = await connect(port);
      again.request(1, 1, { fc: 4, address: 0, quantity: 1 });
      await again.waitForFrames(1);
    });
  });

  it('refuses connections beyond maxConnections', async () => {
    const { server, port } = await serve({ 1: countingUnit(0) }, { maxConnections: 2 });
    await connect(port);
    await connect(port);
    const third = await connect(port);
    expect(await third.closesWithin(500)).toBe(true);
    expect(server.stats()).toMatchObject({ connectionsAccepted: 2, connectionsRefused: 1 });
  });

  it('fails with PortInUseError naming the port when the port is taken', async () => {
    const { port } = await serve({ 1: countingUnit(0) });
    const second = new ModbusTcpServer();
    const error = await second.listen(port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toContain(`port ${port}`);
    await second.close();
  });

  it('close() closes the server and every open connection promptly', async () => {
    const server = new ModbusTcpServer();
    server.addUnit(1, countingUnit(0));
    server.faults(1).delayMs = 10_000; // a late answer pending must not hold the close
    const port = await server.listen(0);
    const clients = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
    clients[0].request(1, 1, { fc: 4, address: 0, quantity: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await Promise.all(clients.map((c) => c.closesWithin(500)))).toEqual([true, true]);
    await expect(RawClient.connect(port)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('startSimulators', () => {
  it('opens the six TCP devices on free ports and names a taken port in its error', async () => {
    const first = await startSimulators({ basePort: 0, seed: 3 });
    cleanups.push(() => first.stop());
    expect(first.endpoints.map((e) => [e.deviceId, e.system, e.transport, e.host, e.unitId])).toEqual([
      ['sm-1', 'safety_monitoring', 'modbus-tcp', '127.0.0.1', 1],
      ['pp-1', 'personnel_positioning', 'modbus-tcp', '127.0.0.1', 1],
      ['comm-1', 'communication', 'modbus-tcp', '127.0.0.1', 1],
      ['air-1', 'compressed_air', 'modbus-tcp', '127.0.0.1', 1],
      ['water-1', 'water_supply', 'modbus-tcp', '127.0.0.1', 1],
      ['out-1', 'outputs', 'modbus-tcp', '127.0.0.1', 1],
    ]);
    expect(new Set(first.endpoints.map((e) => e.port)).size).toBe(6);
    const taken = first.endpoints[0]!.port;
    await expect(startSimulators({ basePort: taken })).rejects.toThrow(`port ${taken} on 127.0.0.1 is already in use`);
  });

  it('stops what it started when a later device cannot listen', async () => {
    const blocker = await serve({ 1: countingUnit(0) });
    const probe = new ModbusTcpServer();
    const firstPort = await probe.listen(0);
    await probe.close();
    const error = await startSimulators({
      devices: [
        { id: 'sm-1', system: 'safety_monitoring', port: firstPort },
        { id: 'sm-2', system: 'safety_monitoring', port: blocker.port },
      ],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    // sm-1 had started on firstPort; it must have been closed again.
    const reuse = new ModbusTcpServer();
    await expect(reuse.listen(firstPort)).resolves.toBe(firstPort);
    await reuse.close();
  });

  it('gives two substations different values from the same run seed', async () => {
    const clock = { now: () => 1_700_000_000_000, monotonic: () => 0 };
    const running = await startSimulators({
      basePort: 0,
      clock,
      devices: [
        { id: 'sm-1', system: 'safety_monitoring' },
        { id: 'sm-2', system: 'safety_monitoring' },
      ],
    });
    cleanups.push(() => running.stop());
    const ports = running.endpoints.map((e) => e.port);
    expect(new Set(ports).size).toBe(2);
    expect(deviceOf(running, 'sm-1', 'safety_monitoring').model.read('ch4')).not.toBe(deviceOf(running, 'sm-2', 'safety_monitoring').model.read('ch4'));
  });
});
