/**
 * The board's HTTP face through the agent's real server: actions need the right PIN and are
 * audited, a guesser is locked out, bodies and live clients are bounded, files stay in their folder.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardConfigSchema } from '../../agent/board/board-config.js';
import { BoardHttp } from '../../agent/board/board-http.js';
import type { BoardAuditEntry } from '../../agent/board/board-model.js';
import { FakeBoardModel } from '../../agent/board/fake-board-model.js';
import { hashPinSync } from '../../agent/board/pin-hash.js';
import { startHttpServer, type HttpServerHandle } from '../../agent/http/http-server.js';
import { silentLogger } from '../../agent/runtime/logger.js';

describe('board HTTP routes', () => {
  const model = new FakeBoardModel();
  const audit: BoardAuditEntry[] = [];
  let board: BoardHttp;
  let server: HttpServerHandle;

  beforeAll(async () => {
    const config = boardConfigSchema.parse({
      operators: [{ name: '值班员', pinHash: hashPinSync('8642') }],
      live: { maxClients: 2 },
      pinAttempts: { maxFailures: 3 },
      maxBodyBytes: 512,
    });
    board = new BoardHttp({ model, config, audit: { record: (entry) => audit.push(entry) }, logger: silentLogger() });
    server = await startHttpServer('127.0.0.1', 0, { health: () => ({ live: true, ready: true, reasons: [] }), state: () => ({ ok: 1 }), board }, silentLogger());
  });

  afterAll(async () => {
    board.close();
    await server.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('serves the page and the snapshot, and leaves the other routes alone', async () => {
    const page = await fetch(server.url + '/');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const snapshot = (await (await fetch(server.url + '/api/board')).json()) as { headcount: { mine: { now: number } } };
    expect(snapshot.headcount.mine.now).toBe(24);
    expect(await (await fetch(server.url + '/api/state')).json()).toEqual({ ok: 1 });
  });

  it('answers 304 to a screen that has the file already, 404 to any path out of the folder', async () => {
    const first = await fetch(server.url + '/board/assets/board.css');
    const etag = first.headers.get('etag')!;
    expect((await fetch(server.url + '/board/assets/board.css', { headers: { 'if-none-match': etag } })).status).toBe(304);
    for (const path of ['/board/assets/..%2F..%2F..%2Fpackage.json', '/board/assets/%2e%2e/%2e%2e/package.json', '/board/assets/board-model.ts']) {
      expect((await fetch(server.url + path)).status, path).toBe(404);
    }
  });

  it('a wrong PIN changes nothing, answers 403 and is audited; the right one applies', async () => {
    const wrong = await post('/api/board/ban', { operator: '值班员', pin: '0000', on: true, reason: '暴雨' });
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { result: string }).result).toBe('wrong_pin');
    expect(model.snapshot().ban.active).toBe(false);
    expect(audit.at(-1)).toMatchObject({ action: 'set_manual_ban', result: 'wrong_pin', operator: '值班员' });
    const right = await post('/api/board/ban', { operator: '值班员', pin: '8642', on: true, reason: '暴雨' });
    expect(right.status).toBe(200);
    expect(model.snapshot().ban).toMatchObject({ active: true, sources: [{ kind: 'manual', by: '值班员' }] });
    expect(model.snapshot().permit.permitted).toBe(false);
    expect(audit.at(-1)).toMatchObject({ action: 'set_manual_ban', result: 'applied', params: { on: true, reason: '暴雨' } });
    const unknownAlarm = await post('/api/board/ack', { operator: '值班员', pin: '8642', key: 'nope' });
    expect(unknownAlarm.status).toBe(404);
    expect(audit.at(-1)).toMatchObject({ result: 'refused', reason: 'unknown_alarm' });
  });

  it('locks out a guesser after repeated wrong PINs, even with the right PIN, and audits it', async () => {
    for (let i = 0; i < 3; i += 1) expect((await post('/api/board/ack', { operator: '值班员', pin: `99${i}0`, key: 'analog:CO:Z-202' })).status).toBe(403);
    const locked = await post('/api/board/ack', { operator: '值班员', pin: '8642', key: 'analog:CO:Z-202' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(model.alarm('analog:CO:Z-202')?.state).toBe('active_unacked');
    expect(audit.at(-1)).toMatchObject({ result: 'rate_limited' });
  });

  it('refuses bodies that are too large, not JSON, malformed or cross-site', async () => {
    expect((await post('/api/board/ack', { operator: 'x', pin: '1234', key: 'k'.repeat(600) })).status).toBe(413);
    expect((await post('/api/board/ack', 'operator=x', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post('/api/board/ack', '{not json')).status).toBe(400);
    expect((await post('/api/board/ack', { operator: 'x' })).status).toBe(400);
    expect((await post('/api/board/ack', { operator: 'x', pin: '1', key: 'k' }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await fetch(server.url + '/api/board/ack')).status).toBe(405);
  });

  it('bounds the live clients; a refused one is told to come back later', async () => {
    const opened: http.ClientRequest[] = [];
    const firstEvent = () =>
      new Promise<string>((resolve, reject) => {
        const request = http.get(server.url + '/api/board/events', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            if (text.includes('event: snapshot') || text.includes('event: full')) resolve(text);
          });
        });
        request.on('error', reject);
        opened.push(request);
      });
    expect(await firstEvent()).toContain('event: snapshot');
    expect(await firstEvent()).toContain('event: snapshot');
    expect(await firstEvent()).toContain('event: full');
    expect(board.stats().live).toMatchObject({ clients: 2, refused: 1 });
    for (const request of opened) request.destroy();
  });
});
