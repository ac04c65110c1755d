/**
 * The agent's HTTP face: health for systemd/monitoring and the current state as JSON. The shaft-head
 * board and Prometheus metrics join it later. Only the board's PIN-checked POSTs change state.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../runtime/logger.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text.js';

export interface HealthReport {
  live: boolean;
  ready: boolean;
  /** Why not live or not ready, in words a person can act on. */
  reasons: string[];
  [detail: string]: unknown;
}

export interface HttpRoutes {
  health(): HealthReport;
  state(): unknown;
  /** Prometheus text exposition (agent/http/metrics.ts). */
  metrics?(): string;
  /** The shaft-head board (agent/board/board-http.ts): answers its own paths, POSTs included, and says so. */
  board?: { handle(req: http.IncomingMessage, res: http.ServerResponse): boolean };
}

export interface HttpServerHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startHttpServer(host: string, port: number, routes: HttpRoutes, logger: Logger): Promise<HttpServerHandle> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (routes.board?.handle(req, res)) return;
    } catch (error) {
      logger.error({ err: error, path }, 'board handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error; see the agent log' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      switch (path) {
        case '/health': {
          const report = routes.health();
          sendJson(res, report.ready ? 200 : 503, report);
          return;
        }
        case '/health/live': {
          const report = routes.health();
          sendJson(res, report.live ? 200 : 503, { live: report.live, reasons: report.reasons });
          return;
        }
        case '/api/state':
          sendJson(res, 200, routes.state());
          return;
        case '/metrics':
          if (routes.metrics) {
            const text = routes.metrics();
            res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
            res.end(text);
            return;
          }
          sendJson(res, 404, { error: 'metrics are not served by this process' });
          return;
        default:
          sendJson(res, 404, { error: `no such path ${path}`, paths: ['/health', '/health/live', '/api/state', '/metrics'] });
      }
    } catch (error) {
      logger.error({ err: error, path }, 'HTTP handler failed');
      sendJson(res, 500, { error: 'internal error; see the agent log' });
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
