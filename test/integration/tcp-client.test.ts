/**
 * Our Modbus TCP client against a scripted server on loopback: every request times out at its own
 * deadline (one timer serves all requests in flight, so this pins the sweep down: none early, none
 * lost, a later request's deadline not stretched by an earlier one), late answers are counted and
 * never taken for a newer request, and answers are matched by transaction id whatever their order.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeMbap, MbapDecoder } from '../../drivers/modbus/protocol/mbap.js';
import { decodeRequest, encodeResponse } from '../../drivers/modbus/protocol/pdu.js';
import { ModbusTcpClient, ModbusTimeoutError } from '../../drivers/modbus/tcp/tcp-client.js';

interface Received {
  transactionId: number;
  unitId: number;
  address: number;
  answer(delayMs?: number): void;
}

/** A server that hands every request to the test, which answers when and if it likes. */
async function scriptedServer(onRequest: (request: Received) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const decoder = new MbapDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const decoded = decodeRequest(frame.pdu);
        if (!decoded.ok || decoded.request.fc !== 3) throw new Error('the test sends reads of holding registers only');
        const request = decoded.request;
        const answer = () => {
          const registers = Array.from({ length: request.quantity }, (_, i) => request.address + i);
          if (!socket.destroyed) socket.write(encodeMbap(frame.transactionId, frame.unitId, encodeResponse(request, { registers })));
        };
        onRequest({ transactionId: frame.transactionId, unitId: frame.unitId, address: request.address, answer: (delayMs = 0) => (delayMs > 0 ? setTimeout(answer, delayMs) : answer()) });
      }
    });
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const read = (address: number) => ({ fc: 3 as const, address, quantity: 2 });

describe('Modbus TCP client', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function connected(onRequest: (request: Received) => void, maxInflight = 4) {
    const server = await scriptedServer(onRequest);
    const client = new ModbusTcpClient({ host: '127.0.0.1', port: server.port, connectTimeoutMs: 1000, maxInflight });
    await client.connect();
    cleanups.push(() => client.close(), () => server.close());
    return client;
  }

  it('times each request out at its own deadline, never before it, with one timer for all', async () => {
    const client = await connected(() => {}); // never answers
    const started = performance.now();
    const settled: Array<[string, number]> = [];
    const watch = (name: string, promise: Promise<unknown>) =>
      promise.then(
        () => settled.push([`${name} answered`, performance.now() - started]),
        (error: unknown) => settled.push([`${name} ${error instanceof ModbusTimeoutError ? 'timed out' : String(error)}`, performance.now() - started]),
      );
    const long = watch('long', client.request(1, read(0), 300));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const short = watch('short', client.request(1, read(2), 60)); // sent later, due earlier
    await Promise.all([long, short]);
    expect(settled.map(([what]) => what)).toEqual(['short timed out', 'long timed out']);
    expect(settled[0]![1]).toBeGreaterThanOrEqual(79);
    expect(settled[0]![1]).toBeLessThan(250);
    expect(settled[1]![1]).toBeGreaterThanOrEqual(299);
    expect(settled[1]![1]).toBeLessThan(600);
    expect(client.inflight).toBe(0);
  });

  it('an answer in time beats the timer left running by an earlier request; a late one is only counted', async () => {
    const requests: Received[] = [];
    const client = await connected((request) => requests.push(request));
    // Answered at once: the timer stays armed for its deadline (100 ms) and fires with nothing due.
    const quick = client.request(1, read(0), 100);
    await new Promise((resolve) => setTimeout(resolve, 10));
    requests[0]!.answer();
    await quick;
    // Sent now with 500 ms, answered at ~150 ms: past the first deadline, well within its own.
    const second = client.request(1, read(10), 500);
    await new Promise((resolve) => setTimeout(resolve, 10));
    requests[1]!.answer(150);
    expect(await second).toEqual({ kind: 'registers', registers: Uint16Array.from([10, 11]) });
    // One that times out, then its answer comes: counted, discarded, nobody's response.
    const lost = client.request(1, read(20), 50);
    await expect(lost).rejects.toBeInstanceOf(ModbusTimeoutError);
    const next = client.request(1, read(30), 500);
    await new Promise((resolve) => setTimeout(resolve, 10));
    requests[2]!.answer();
    requests[3]!.answer(20);
    expect(await next).toEqual({ kind: 'registers', registers: Uint16Array.from([30, 31]) });
    expect(client.counters.unmatchedResponses).toBe(1);
  });

  it('matches answers that come back in another order, and keeps many requests in flight', async () => {
    const requests: Received[] = [];
    const client = await connected((request) => {
      requests.push(request);
      if (requests.length === 4) for (const r of [...requests].reverse()) r.answer();
    });
    const answers = await Promise.all([0, 10, 20, 30].map((address) => client.request(1, read(address), 1000)));
    expect(answers.map((a) => (a.kind === 'registers' ? a.registers[0] : -1))).toEqual([0, 10, 20, 30]);
    expect(new Set(requests.map((r) => r.transactionId)).size).toBe(4);
  });

  it('closing fails what is in flight at once and leaves no timer to fire later', async () => {
    const client = await connected(() => {});
    const pending = client.request(1, read(0), 10_000);
    client.close();
    await expect(pending).rejects.toThrow(/closed/);
    expect(client.inflight).toBe(0);
  });
});
