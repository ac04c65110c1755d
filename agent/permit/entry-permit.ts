/**
 * The entry permit (允许入井): permitted only when nothing withdraws it — no ban, every headcount
 * below its quota and cap, the agent healthy, positioning fresh and confirmed. The reasons travel
 * with it, so the board can say why and a violation alarm can quote them.
 */
import type { EntryStamp } from '../headcount/headcount-state.js';
import type { Bilingual, Finding } from '../rules/rule-types.js';

export interface PermitReason {
  key: string;
  kind: string;
  message: Bilingual;
}

export interface EntryPermit {
  permitted: boolean;
  /** An entry ban is in force (weather, alert, manual): entries are "during the ban". */
  banned: boolean;
  reasons: PermitReason[];
}

export function computePermit(findings: readonly Finding[]): EntryPermit {
  const reasons: PermitReason[] = [];
  let banned = false;
  for (const f of findings) {
    if (f.ban) banned = true;
    if (f.withdrawsPermit || f.ban) reasons.push({ key: f.key, kind: f.kind, message: f.message });
  }
  return { permitted: reasons.length === 0, banned, reasons };
}

/** The permit that fails safe: used when the decision itself could not be made. */
export function notPermitted(reason: PermitReason): EntryPermit {
  return { permitted: false, banned: false, reasons: [reason] };
}

export function stampOf(permit: EntryPermit): EntryStamp {
  return { permitted: permit.permitted, banned: permit.banned, reasons: permit.reasons.map((r) => r.key) };
}
