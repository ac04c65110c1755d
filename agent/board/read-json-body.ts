/**
 * Reads a small JSON request body with a hard size limit: a client that sends more is cut off at
 * the limit instead of being buffered, so a POST can never cost the agent more than maxBytes.
 */
import type http from 'node:http';

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 408 | 413 | 415; reason: string };

const BODY_TIMEOUT_MS = 10_000;

export function readJsonBody(req: http.IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // Requiring JSON also means a foreign web page cannot post here without a CORS preflight.
  if (type !== 'application/json') {
    req.resume();
    return Promise.resolve({ ok: false, status: 415, reason: 'the body must be application/json' });
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, status: 413, reason: `the body is larger than ${maxBytes} bytes` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      finish({ ok: false, status: 408, reason: 'the body did not arrive in time' });
      req.destroy();
    }, BODY_TIMEOUT_MS);
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        finish({ ok: false, status: 413, reason: `the body is larger than ${maxBytes} bytes` });
        // Stop reading; the response (413, connection: close) ends the socket.
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        finish({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      } catch {
        finish({ ok: false, status: 400, reason: 'the body is not valid JSON' });
      }
    });
    req.on('error', () => finish({ ok: false, status: 400, reason: 'the request was broken off' }));
  });
}
