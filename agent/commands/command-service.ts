/**
 * The one place commands enter: validate, apply, audit, answer. For every payload, exactly one
 * response goes to the outbox (stream command_responses, topic …/commands/response), in the same
 * SQLite transaction as the nonce, the settings change and the audit row: after a crash either
 * all of it happened or none. A rejected command changes no setting.
 */
import type { KeyObject } from 'node:crypto';
import type { PlatformConfig } from '../../config/schema.js';
import type { Clock } from '../model/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { AuditEntry } from '../store/command-ledger.js';
import type { OutboxStream } from '../upstream/topics.js';
import type { AlarmAcknowledger } from './alarm-acknowledger.js';
import { applySettingsCommand, type SettingsChange } from './apply-command.js';
import type { CommandResponse, RejectReason, VerifiedCommand } from './command-schema.js';
import type { RuntimeSettings } from './runtime-settings.js';
import { validateCommand, type Rejection } from './validate-command.js';

/** What the service needs from the store. */
export interface CommandStore {
  transaction<T>(work: () => T): T;
  appendOutbox(stream: OutboxStream, body: unknown): void;
  appendAudit(entry: AuditEntry): void;
  readonly commandLedger: {
    nonceSeen(keyId: string, nonce: string): boolean;
    rememberNonce(keyId: string, nonce: string, commandId: string, keepUntil: number): void;
    writeSetting(name: string, valueJson: string, now: number, by: string): void;
    pruneNonces(now: number): number;
  };
}

export interface CommandServiceOptions {
  store: CommandStore;
  settings: RuntimeSettings;
  keys: ReadonlyMap<string, KeyObject>;
  platform: Pick<PlatformConfig, 'clockSkewMs' | 'maxCommandValidityMs'>;
  alarms: AlarmAcknowledger;
  /** The current point table, for request_snapshot. */
  snapshot: () => unknown[];
  clock: Clock;
  logger: Logger;
  /** New rows are in the outbox (wake the forwarder). */
  onOutbox?: () => void;
}

export interface CommandServiceStats {
  accepted: number;
  rejected: number;
  /** Commands whose outcome could not be stored (no response could be queued either). */
  failed: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
}

export class CommandService {
  private readonly counters: CommandServiceStats = { accepted: 0, rejected: 0, failed: 0, rejectedByReason: {} };

  constructor(private readonly options: CommandServiceOptions) {}

  /** Handles one command payload. Never throws; returns the response that was queued (or null if none could be). */
  handle(payload: Uint8Array, source = 'platform'): CommandResponse | null {
    const { clock, platform, store } = this.options;
    const receivedAt = clock.now();
    try {
      const validation = validateCommand(payload, {
        keys: this.options.keys,
        now: receivedAt,
        clockSkewMs: platform.clockSkewMs,
        maxValidityMs: platform.maxCommandValidityMs,
        isReplay: (keyId, nonce) => store.commandLedger.nonceSeen(keyId, nonce),
      });
      const response = validation.ok ? this.execute(validation.command, receivedAt, source) : this.refuse(validation, receivedAt, source);
      this.options.onOutbox?.();
      return response;
    } catch (error) {
      this.counters.failed += 1;
      this.options.logger.error(
        { err: error },
        `a platform command could not be processed (${error instanceof Error ? error.message : String(error)}); nothing was changed and no answer could be queued. Check the store's disk`,
      );
      return null;
    }
  }

  stats(): CommandServiceStats {
    return { ...this.counters, rejectedByReason: { ...this.counters.rejectedByReason } };
  }

  /** Forgets nonces of commands that can no longer be valid. */
  pruneNonces(): number {
    return this.options.store.commandLedger.pruneNonces(this.options.clock.now());
  }

  private execute(command: VerifiedCommand, receivedAt: number, source: string): CommandResponse {
    const outcome = this.outcomeOf(command, receivedAt);
    if (!outcome.ok) {
      return this.refuse({ ok: false, reason: outcome.reason, detail: outcome.detail, commandId: command.id, type: command.type, verified: command }, receivedAt, source);
    }
    const response: CommandResponse = { commandId: command.id, type: command.type, status: 'accepted', result: outcome.result, receivedAt };
    const { store } = this.options;
    store.transaction(() => {
      this.rememberNonce(command);
      for (const [name, value] of Object.entries(outcome.change)) store.commandLedger.writeSetting(name, JSON.stringify(value), receivedAt, command.id);
      if (outcome.snapshot !== undefined) store.appendOutbox('snapshot', outcome.snapshot);
      store.appendAudit(this.auditEntry(command, source, receivedAt, 'accepted', null));
      store.appendOutbox('command_responses', response);
    });
    this.options.settings.applyCommitted(outcome.change, command.id);
    this.counters.accepted += 1;
    this.options.logger.info({ commandId: command.id, type: command.type, keyId: command.keyId, result: outcome.result }, `platform command ${command.type} accepted and applied`);
    return response;
  }

  private outcomeOf(
    command: VerifiedCommand,
    now: number,
  ): { ok: true; change: SettingsChange; result: Record<string, unknown>; snapshot?: unknown } | { ok: false; reason: RejectReason; detail: string } {
    if (command.type === 'ack_alarm') {
      const { alarmId, by, note } = command.params;
      const acknowledged = this.options.alarms.acknowledge({ alarmId, by, note, commandId: command.id, now });
      return acknowledged.ok ? { ok: true, change: {}, result: acknowledged.result } : acknowledged;
    }
    if (command.type === 'request_snapshot') {
      const points = this.options.snapshot();
      return { ok: true, change: {}, result: { stream: 'snapshot', points: points.length }, snapshot: { requestedBy: command.id, takenAt: now, points } };
    }
    return applySettingsCommand(this.options.settings.snapshot, command, now);
  }

  private refuse(rejection: Rejection, receivedAt: number, source: string): CommandResponse {
    const response: CommandResponse = {
      commandId: rejection.commandId,
      type: rejection.type,
      status: 'rejected',
      reason: rejection.reason,
      detail: rejection.detail,
      receivedAt,
    };
    const { store } = this.options;
    const verified = rejection.verified;
    store.transaction(() => {
      // A verified command's nonce is burnt even when it is refused, so sending it again is a
      // replay. An unverified one is not: anyone could otherwise use up the platform's nonces.
      if (verified !== null && rejection.reason !== 'replayed') this.rememberNonce(verified);
      store.appendAudit({
        ts: receivedAt,
        source,
        commandId: rejection.commandId,
        type: rejection.type,
        params: verified === null ? null : JSON.stringify(verified.params),
        result: 'rejected',
        reason: rejection.reason,
      });
      store.appendOutbox('command_responses', response);
    });
    this.counters.rejected += 1;
    this.counters.rejectedByReason[rejection.reason] = (this.counters.rejectedByReason[rejection.reason] ?? 0) + 1;
    this.options.logger.warn(
      { commandId: rejection.commandId, type: rejection.type, reason: rejection.reason },
      `platform command ${rejection.type ?? '(unreadable)'} rejected (${rejection.reason}): ${rejection.detail}`,
    );
    return response;
  }

  private rememberNonce(command: { keyId: string; nonce: string; id: string; expiresAt: number }): void {
    this.options.store.commandLedger.rememberNonce(command.keyId, command.nonce, command.id, command.expiresAt + this.options.platform.clockSkewMs);
  }

  private auditEntry(command: VerifiedCommand, source: string, ts: number, result: 'accepted' | 'rejected', reason: string | null): AuditEntry {
    return { ts, source, commandId: command.id, type: command.type, params: JSON.stringify(command.params), result, reason };
  }
}

