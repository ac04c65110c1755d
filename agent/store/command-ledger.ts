/**
 * The store's side of platform commands: used nonces (with their expiry), the audit log and the
 * persisted runtime settings. Every method is one statement; the command service calls them inside
 * Store.transaction so a command's nonce, settings change, audit row and response commit together.
 */
import type Database from 'better-sqlite3';

export interface AuditEntry {
  ts: number;
  /** Where the command came from: "platform" (MQTT) or later "board". */
  source: string;
  commandId: string | null;
  type: string | null;
  /** JSON text of the params as received (verified commands only). */
  params: string | null;
  result: 'accepted' | 'rejected';
  /** Reject reason, or null when accepted. */
  reason: string | null;
}

export interface StoredSetting {
  name: string;
  value: string;
  updatedAt: number;
  updatedBy: string;
}

/** Nonces are pruned in chunks so one call stays short. */
const NONCE_PRUNE_CHUNK = 5_000;

export class CommandLedger {
  private readonly selectNonce: Database.Statement<[string, string], { command_id: string }>;
  private readonly insertNonce: Database.Statement<[string, string, string, number]>;
  private readonly pruneNonceChunk: Database.Statement<[number, number]>;
  private readonly insertAudit: Database.Statement<[number, string, string | null, string | null, string | null, string, string | null]>;
  private readonly selectAudit: Database.Statement<[number], AuditEntry & { id: number }>;
  private readonly selectSettings: Database.Statement<[], StoredSetting>;
  private readonly upsertSetting: Database.Statement<[string, string, number, string]>;

  constructor(db: Database.Database) {
    this.selectNonce = db.prepare('SELECT command_id FROM command_nonces WHERE key_id = ? AND nonce = ?');
    this.insertNonce = db.prepare('INSERT INTO command_nonces (key_id, nonce, command_id, expires_at) VALUES (?, ?, ?, ?)');
    this.pruneNonceChunk = db.prepare('DELETE FROM command_nonces WHERE rowid IN (SELECT rowid FROM command_nonces WHERE expires_at < ? LIMIT ?)');
    this.insertAudit = db.prepare('INSERT INTO audit (ts, source, command_id, type, params, result, reason) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.selectAudit = db.prepare(
      'SELECT id, ts, source, command_id AS commandId, type, params, result, reason FROM audit ORDER BY id DESC LIMIT ?',
    );
    this.selectSettings = db.prepare('SELECT name, value, updated_at AS updatedAt, updated_by AS updatedBy FROM runtime_settings');
    this.upsertSetting = db.prepare(
      'INSERT INTO runtime_settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
    );
  }

  nonceSeen(keyId: string, nonce: string): boolean {
    return this.selectNonce.get(keyId, nonce) !== undefined;
  }

  /** Remembers a nonce until `keepUntil` (the command's expiry plus the clock skew allowance). */
  rememberNonce(keyId: string, nonce: string, commandId: string, keepUntil: number): void {
    this.insertNonce.run(keyId, nonce, commandId, keepUntil);
  }

  /** Forgets nonces whose commands can no longer be valid. Returns how many went. */
  pruneNonces(now: number): number {
    let total = 0;
    for (;;) {
      const deleted = this.pruneNonceChunk.run(now, NONCE_PRUNE_CHUNK).changes;
      total += deleted;
      if (deleted < NONCE_PRUNE_CHUNK) return total;
    }
  }

  /** Writes an audit row; returns its id. */
  audit(entry: AuditEntry): number {
    return Number(this.insertAudit.run(entry.ts, entry.source, entry.commandId, entry.type, entry.params, entry.result, entry.reason).lastInsertRowid);
  }

  /** The newest audit rows, newest first. */
  recentAudit(limit = 100): Array<AuditEntry & { id: number }> {
    return this.selectAudit.all(limit);
  }

  settings(): StoredSetting[] {
    return this.selectSettings.all();
  }

  writeSetting(name: string, valueJson: string, now: number, by: string): void {
    this.upsertSetting.run(name, valueJson, now, by);
  }
}
