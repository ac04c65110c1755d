/**
 * The operator actions behind POST /api/board/ack and /api/board/ban, apart from HTTP: validate,
 * lock-out check, PIN check, apply, audit. A wrong PIN changes nothing and is audited as a failed
 * attempt; every attempt, right or wrong, leaves one audit entry.
 */
import { z } from 'zod';
import type { Logger } from '../runtime/logger.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { ActionResult, AuditSink, BilingualText, BoardActionName, BoardActions, BoardAuditResult } from './board-model.js';
import type { OperatorAuth } from './operator-auth.js';
import { MAX_PIN_LENGTH } from './pin-hash.js';

const credentials = {
  operator: z.string().trim().min(1).max(64),
  pin: z.string().min(1).max(MAX_PIN_LENGTH),
};
export const ackRequestSchema = z.object({ ...credentials, key: z.string().min(1).max(200) }).strict();
export const banRequestSchema = z
  .object({ ...credentials, on: z.boolean(), reason: z.string().trim().max(200).default('') })
  .strict()
  .refine((body) => !body.on || body.reason.length > 0, { path: ['reason'], message: 'say why the ban is switched on' });

export interface ActionResponse {
  status: number;
  body: { ok: boolean; result: BoardAuditResult | 'invalid' | 'busy'; message: BilingualText; retryAfterS?: number };
}

/** PIN checks in flight at once, over all clients: scrypt work is bounded whatever arrives. */
const MAX_CONCURRENT_CHECKS = 4;

export interface BoardActionsHandlerDeps {
  actions: BoardActions;
  auth: OperatorAuth;
  limiter: AttemptLimiter;
  audit: AuditSink;
  now: () => number;
  logger: Logger;
}

export class BoardActionsHandler {
  private readonly checking = new Set<string>();

  constructor(private readonly deps: BoardActionsHandlerDeps) {}

  acknowledge(body: unknown, client: string): Promise<ActionResponse> {
    const parsed = ackRequestSchema.safeParse(body);
    if (!parsed.success) return Promise.resolve(invalid(parsed.error));
    const { operator, pin, key } = parsed.data;
    return this.run('acknowledge_alarm', operator, pin, { key }, client, (name) => this.deps.actions.acknowledgeAlarm(key, name));
  }

  setManualBan(body: unknown, client: string): Promise<ActionResponse> {
    const parsed = banRequestSchema.safeParse(body);
    if (!parsed.success) return Promise.resolve(invalid(parsed.error));
    const { operator, pin, on, reason } = parsed.data;
    return this.run('set_manual_ban', operator, pin, { on, reason }, client, (name) => this.deps.actions.setManualBan(on, name, reason));
  }

  private async run(
    action: BoardActionName,
    operator: string,
    pin: string,
    params: Record<string, unknown>,
    client: string,
    apply: (operator: string) => ActionResult,
  ): Promise<ActionResponse> {
    const { limiter, auth, now } = this.deps;
    const verdict = limiter.check(client, now());
    if (!verdict.allowed) {
      const retryAfterS = Math.ceil(verdict.retryAfterMs / 1000);
      this.audit(action, operator, params, client, 'rate_limited', `locked out for ${retryAfterS} s after repeated wrong PINs`);
      return {
        status: 429,
        body: {
          ok: false,
          result: 'rate_limited',
          retryAfterS,
          message: { zh: `PIN 错误次数过多，请 ${retryAfterS} 秒后再试`, en: `Too many wrong PINs; try again in ${retryAfterS} s` },
        },
      };
    }
    if (this.checking.has(client) || this.checking.size >= MAX_CONCURRENT_CHECKS) {
      return { status: 503, body: { ok: false, result: 'busy', message: { zh: '正在核对 PIN，请稍候再试', en: 'A PIN check is in progress; try again' } } };
    }
    this.checking.add(client);
    let name: string | null;
    try {
      name = await auth.check(operator, pin);
    } finally {
      this.checking.delete(client);
    }
    if (name === null) {
      limiter.recordFailure(client, now());
      this.audit(action, operator, params, client, 'wrong_pin', 'operator unknown or PIN wrong');
      return { status: 403, body: { ok: false, result: 'wrong_pin', message: { zh: '操作员或 PIN 不正确，未执行任何操作', en: 'Operator or PIN wrong; nothing was changed' } } };
    }
    limiter.recordSuccess(client);
    const result = apply(name);
    this.audit(action, name, params, client, result.ok ? 'applied' : 'refused', result.ok ? null : result.reason);
    return result.ok
      ? { status: 200, body: { ok: true, result: 'applied', message: result.detail } }
      : { status: result.reason === 'unknown_alarm' ? 404 : 409, body: { ok: false, result: 'refused', message: result.detail } };
  }

  private audit(action: BoardActionName, operator: string, params: Record<string, unknown>, client: string, result: BoardAuditResult, reason: string | null): void {
    try {
      this.deps.audit.record({ at: this.deps.now(), operator, action, params, result, reason, client });
    } catch (error) {
      // The action (if any) has happened; losing its audit row is an error to see in the journal.
      this.deps.logger.error({ err: error, action, operator, result }, 'could not write the board audit entry');
    }
  }
}

function invalid(error: z.ZodError): ActionResponse {
  const detail = error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
  return { status: 400, body: { ok: false, result: 'invalid', message: { zh: `请求无效：${detail}`, en: `Invalid request: ${detail}` } } };
}
