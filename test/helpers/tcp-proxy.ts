/**
 * A small TCP proxy for fault tests: the agent connects to the proxy, the proxy to the real target
 * (e.g. Mosquitto). The test can cut every connection at once (RST or FIN, in both directions),
 * refuse new ones for a while (accepted, then reset at once: what a dead link or a firewall
 * flapping looks like to the client) and restore. Bytes pass through unchanged.
 */
import net from 'node:net';

export type CutMode = 'reset' | 'close';

export interface TcpProxy {
  port: number;
  /** `mqtt://127.0.0.1:<port>` — convenience for MQTT targets. */
  url: string;
  /** Cuts every open connection now (both sides). Returns how many were cut. */
  cut(mode?: CutMode): number;
  /**
   * Cuts at the next bytes the client sends: they are passed on to the target, which then sees the
   * connection end (FIN), while the client's side is reset. For MQTT: the broker gets the PUBLISH,
   * the client never gets its PUBACK. Resolves once done.
   */
  cutAfterNextUpload(): Promise<void>;
  /** While refusing, new connections are reset as soon as they are accepted. */
  refuse(): void;
  /** Accepts and forwards again. */
  restore(): void;
  readonly refusing: boolean;
  /** Connection pairs open now. */
  open(): number;
  stats(): { accepted: number; refused: number; cut: number; bytesUp: number; bytesDown: number };
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

function kill(socket: net.Socket, mode: CutMode): void {
  if (socket.destroyed) return;
  if (mode === 'reset' && typeof socket.resetAndDestroy === 'function' && socket.readyState !== 'opening') socket.resetAndDestroy();
  else socket.destroy();
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let refusing = false;
  let cutAfterUpload: (() => void) | null = null;
  const counters = { accepted: 0, refused: 0, cut: 0, bytesUp: 0, bytesDown: 0 };

  const server = net.createServer({ noDelay: true }, (client) => {
    client.on('error', () => {});
    if (refusing) {
      counters.refused += 1;
      kill(client, 'reset');
      return;
    }
    counters.accepted += 1;
    const upstream = net.connect({ host: targetHost, port: targetPort, noDelay: true });
    upstream.on('error', () => {});
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      if (!pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      counters.bytesUp += chunk.length;
      if (cutAfterUpload !== null) {
        const done = cutAfterUpload;
        cutAfterUpload = null;
        pairs.delete(pair);
        counters.cut += 1;
        kill(client, 'reset');
        upstream.end(chunk, done);
        return;
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('data', (chunk: Buffer) => {
      counters.bytesDown += chunk.length;
      if (!client.write(chunk)) upstream.pause();
    });
    upstream.on('drain', () => client.resume());
    client.on('drain', () => upstream.resume());
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: could not read its port');
  const port = address.port;

  const cut = (mode: CutMode = 'reset'): number => {
    const now = [...pairs];
    for (const pair of now) {
      pairs.delete(pair);
      kill(pair.client, mode);
      kill(pair.upstream, mode);
    }
    counters.cut += now.length;
    return now.length;
  };

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    cut,
    cutAfterNextUpload: () =>
      new Promise<void>((resolve) => {
        cutAfterUpload = resolve;
      }),
    refuse: () => {
      refusing = true;
    },
    restore: () => {
      refusing = false;
    },
    get refusing() {
      return refusing;
    },
    open: () => pairs.size,
    stats: () => ({ ...counters }),
    close: async () => {
      cut('close');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
