/**
 * The demo's MQTT broker (aedes, in process), so `shaftgate demo` needs nothing installed.
 * aedes speaks MQTT 3.1.1 only; production gateways talk to the platform's broker instead.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { listenPreferred } from '../runtime/ports.js';

export interface EmbeddedBroker {
  host: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(host: string, preferredPort: number): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({ drainTimeout: 30_000 });
  const server = net.createServer((socket) => broker.handle(socket));
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listenPreferred(server, host, preferredPort);
  return {
    host,
    port,
    url: `mqtt://${host}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
