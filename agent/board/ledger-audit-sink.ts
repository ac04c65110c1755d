/**
 * Board actions in the same audit table as platform commands (source "board"), so one query shows
 * everything that changed the gateway's state and every failed attempt to, whoever made it.
 */
import type { AuditEntry } from '../store/command-ledger.js';
import type { AuditSink, BoardAuditEntry } from './board-model.js';

export interface AuditTable {
  audit(entry: AuditEntry): number;
}

export function boardAuditRow(entry: BoardAuditEntry): AuditEntry {
  return {
    ts: entry.at,
    source: 'board',
    commandId: null,
    type: `board.${entry.action}`,
    params: JSON.stringify({ operator: entry.operator, client: entry.client, ...entry.params }),
    result: entry.result === 'applied' ? 'accepted' : 'rejected',
    reason: entry.result === 'applied' ? null : `${entry.result}${entry.reason === null ? '' : `: ${entry.reason}`}`,
  };
}

export function ledgerAuditSink(table: AuditTable): AuditSink {
  return { record: (entry) => void table.audit(boardAuditRow(entry)) };
}
