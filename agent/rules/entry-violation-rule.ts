/**
 * Entry is detected after the fact, so "deny entry" is also a violation alarm naming whoever
 * passed the entry reader while the permit was withdrawn: during a ban (entry_during_ban) or for
 * any other reason (entry_without_permit). The condition lasts while the person is underground.
 */
import type { EffectiveQuota } from './rule-types.js';
import { describePerson, finding, personRef, type Finding, type RuleSnapshot } from './rule-types.js';

export function entryViolationRule(snapshot: RuleSnapshot, _config: null, _now: number): Finding[] {
  const mineQuota = lowestMineQuota(snapshot.quotas);
  const findings: Finding[] = [];
  for (const entry of snapshot.headcount.people) {
    const record = entry.record;
    if (record.origin !== 'entry' || record.enteredAt === null) continue;
    const stamp = record.stamp;
    // Entries batched into one poll all carry the permit of the decision before them; the count at
    // entry catches the one that went past the quota in the same batch.
    const overQuotaAtEntry = mineQuota !== null && record.countBefore >= mineQuota;
    const banned = stamp?.banned === true;
    const withoutPermit = (stamp !== null && !stamp.permitted) || overQuotaAtEntry;
    if (!banned && !withoutPermit) continue;
    const ref = personRef(entry, snapshot.layout);
    const who = describePerson(ref);
    const reasons = stamp?.reasons.join(', ') || (overQuotaAtEntry ? `quota:mine (${record.countBefore}/${mineQuota})` : '');
    findings.push(
      finding(
        banned
          ? {
              key: `entry-during-ban:card:${record.card}`,
              kind: 'entry_during_ban',
              severity: 'critical',
              people: [ref],
              message: { zh: `禁止入井期间违规入井：${who.zh}`, en: `Entry during the entry ban: ${who.en}` },
              details: { card: record.card, enteredAt: record.enteredAt, reasons },
            }
          : {
              key: `entry-without-permit:card:${record.card}`,
              kind: 'entry_without_permit',
              severity: 'high',
              people: [ref],
              message: { zh: `无许可入井：${who.zh}(${reasons})`, en: `Entry without permit: ${who.en} (${reasons})` },
              details: { card: record.card, enteredAt: record.enteredAt, reasons },
            },
      ),
    );
  }
  return findings;
}

function lowestMineQuota(quotas: readonly EffectiveQuota[]): number | null {
  let lowest: number | null = null;
  for (const quota of quotas) if (quota.scope === 'mine' && (lowest === null || quota.limit < lowest)) lowest = quota.limit;
  return lowest;
}
