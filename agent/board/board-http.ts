/**
 * The board's routes on the agent's HTTP server:
 *   GET  /                     the page (Chinese first; ?lang=en or the switch for English)
 *   GET  /board/assets/<file>  its scripts and styles, from the package, never from the internet
 *   GET  /api/board            the snapshot as JSON
 *   GET  /api/board/events     the snapshot live (Server-Sent Events)
 *   POST /api/board/ack        acknowledge an alarm   {operator, pin, key}
 *   POST /api/board/ban        switch the manual ban  {operator, pin, on, reason}
 * handle() answers whether the path was the board's; the server answers everything else.
 */
import type http from 'node:http';
import type { Logger } from '../runtime/logger.js';
import { AttemptLimiter } from './attempt-limiter.js';
import { BoardActionsHandler, type ActionResponse } from './board-actions-handler.js';
import type { BoardConfig } from './board-config.js';
import type { AuditSink, BoardModel, BoardSnapshot } from './board-model.js';
import { LiveUpdates, type LiveClient, type LiveMode, type LiveUpdatesStats } from './live-updates.js';
import { OperatorAuth } from './operator-auth.js';
import { readJsonBody } from './read-json-body.js';
import { AssetStore } from './static-assets.js';

export interface BoardHttpDeps {
  model: BoardModel;
  config: BoardConfig;
  audit: AuditSink;
  logger: Logger;
  now?: () => number;
  /** Where the page's files are; default: agent/board/assets in the package. */
  assetsDir?: string;
}

export interface BoardHttpStats {
  live: LiveUpdatesStats;
  /** Clients currently remembered by the wrong-PIN lock-out. */
  pinLockoutTracked: number;
}

const ASSET_PREFIX = '/board/assets/';
/** Scripts and styles only from this server, no inline code, no framing: the page cannot be made to run anything else. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

export class BoardHttp {
  private readonly assets: AssetStore;
  private readonly live: LiveUpdates<BoardSnapshot>;
  private readonly limiter: AttemptLimiter;
  private readonly actions: BoardActionsHandler;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: BoardHttpDeps) {
    const now = deps.now ?? Date.now;
    this.assets = new AssetStore(deps.assetsDir);
    this.live = new LiveUpdates(() => deps.model.snapshot(), deps.config.live, (error) =>
      deps.logger.error({ err: error }, 'building the board snapshot failed; screens keep the previous one'),
    );
    this.unsubscribe = deps.model.onChange(() => this.live.notifyChange());
    this.limiter = new AttemptLimiter(deps.config.pinAttempts);
    this.actions = new BoardActionsHandler({
      actions: deps.model,
      auth: new OperatorAuth(deps.config.operators),
      limiter: this.limiter,
      audit: deps.audit,
      now,
      logger: deps.logger,
    });
  }

  /** True when the request is the board's (and is being answered). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (!this.deps.config.enabled) return false;
    const [path = '/', query = ''] = (req.url ?? '/').split('?');
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/' || path === '/index.html') {
      if (isRead) this.sendAsset(req, res, 'index.html');
      else notAllowed(res, 'GET, HEAD');
      return true;
    }
    if (path.startsWith(ASSET_PREFIX)) {
      if (isRead) this.sendAsset(req, res, path.slice(ASSET_PREFIX.length));
      else notAllowed(res, 'GET, HEAD');
      return true;
    }
    switch (path) {
      case '/api/board':
        if (isRead) sendJson(res, 200, this.deps.model.snapshot());
        else notAllowed(res, 'GET, HEAD');
        return true;
      case '/api/board/events':
        // ?delta=people: the page merges patches (live-updates.ts); anything else gets full snapshots.
        if (req.method === 'GET') this.openLive(res, new URLSearchParams(query).get('delta') === 'people' ? 'delta' : 'full');
        else notAllowed(res, 'GET');
        return true;
      case '/api/board/ack':
      case '/api/board/ban':
        if (req.method === 'POST') this.post(req, res, path);
        else notAllowed(res, 'POST');
        return true;
      default:
        return false;
    }
  }

  stats(): BoardHttpStats {
    return { live: this.live.stats(), pinLockoutTracked: this.limiter.trackedCount };
  }

  close(): void {
    this.unsubscribe();
    this.live.close();
  }

  private sendAsset(req: http.IncomingMessage, res: http.ServerResponse, rawName: string): void {
    const asset = this.assets.get(rawName);
    if (asset === null) {
      sendJson(res, 404, { error: 'no such board file' });
      return;
    }
    // no-cache + ETag: a screen revalidates (cheap 304) and so picks up an upgraded page at once.
    const headers = { ...PAGE_HEADERS, 'content-type': asset.contentType, 'cache-control': 'no-cache', etag: asset.etag };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': asset.body.length });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  private openLive(res: http.ServerResponse, mode: LiveMode): void {
    const client = sseClient(res);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    if (!this.live.accept(client, mode)) {
      // Answered 200 and ended, not 503: EventSource gives up for good on an error status, but
      // reconnects after `retry` when a stream ends, so the screen gets in once a place frees up.
      res.end(`retry: 10000\nevent: full\ndata: {"reason":"too many live board connections"}\n\n`);
    }
  }

  private post(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, req.headers.host)) {
      req.resume();
      sendJson(res, 403, { ok: false, result: 'invalid', message: { zh: '拒绝跨站请求', en: 'Cross-site request refused' } });
      return;
    }
    const client = req.socket.remoteAddress ?? 'unknown';
    void (async () => {
      try {
        const body = await readJsonBody(req, this.deps.config.maxBodyBytes);
        if (!body.ok) {
          res.setHeader('connection', 'close');
          sendJson(res, body.status, { ok: false, result: 'invalid', message: { zh: `请求无效：${body.reason}`, en: `Invalid request: ${body.reason}` } });
          return;
        }
        const answer: ActionResponse =
          path === '/api/board/ack' ? await this.actions.acknowledge(body.value, client) : await this.actions.setManualBan(body.value, client);
        if (answer.body.retryAfterS !== undefined) res.setHeader('retry-after', String(answer.body.retryAfterS));
        sendJson(res, answer.status, answer.body);
      } catch (error) {
        this.deps.logger.error({ err: error, path }, 'board action failed');
        if (!res.headersSent) sendJson(res, 500, { ok: false, result: 'invalid', message: { zh: '内部错误，见网关日志', en: 'Internal error; see the agent log' } });
      }
    })();
  }
}

function sseClient(res: http.ServerResponse): LiveClient {
  return {
    write: (frame) => void res.write(frame),
    // Includes what the socket holds: Node counts the socket's queue in the response's writableLength.
    buffered: () => res.writableLength,
    close: () => res.destroy(),
    onClose: (listener) => void res.once('close', listener),
  };
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function notAllowed(res: http.ServerResponse, allow: string): void {
  res.writeHead(405, { allow }).end();
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
