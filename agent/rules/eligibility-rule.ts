/**
 * Roster checks at entry (measures 24, 35, 36): an unknown card, training missing or expired at
 * the time of entry, a labour-dispatch worker, a card already underground entering again — each a
 * violation naming the person, lasting while they are underground. Training that runs out while
 * the person is already underground is not an entry violation; it is a low-priority warning.
 */
import type { EligibilityConfig } from '../../config/rules-schema.js';
import type { PersonUnderground } from '../headcount/headcount-view.js';
import { trainingValidAt } from '../people/person.js';
import { describePerson, finding, personRef, type Bilingual, type Finding, type RuleSnapshot } from './rule-types.js';

interface Reason {
  kind: string;
  text: Bilingual;
}

export function eligibilityRule(snapshot: RuleSnapshot, config: EligibilityConfig, now: number): Finding[] {
  const findings: Finding[] = [];
  for (const entry of snapshot.headcount.people) {
    const reasons = reasonsAtEntry(entry, config, now);
    const reentered = config.reentry && entry.record.reentered;
    const expiredSince = trainingExpiredUnderground(entry, config, now);
    // Most people have no finding: name them only when one does.
    if (reasons.length === 0 && !reentered && expiredSince === null) continue;
    const ref = personRef(entry, snapshot.layout);
    const who = describePerson(ref);
    if (reasons.length > 0) {
      findings.push(
        finding({
          key: `ineligible:card:${entry.record.card}`,
          // The first reason names the kind (unknown card before dispatch before training).
          kind: reasons[0]!.kind,
          severity: 'high',
          people: [ref],
          message: {
            zh: `不符合入井条件：${who.zh}，${reasons.map((r) => r.text.zh).join('；')}`,
            en: `Not allowed underground: ${who.en}: ${reasons.map((r) => r.text.en).join('; ')}`,
          },
          details: { card: entry.record.card, reasons: reasons.map((r) => r.kind).join(',') },
        }),
      );
    }
    if (reentered) {
      findings.push(
        finding({
          key: `reentry:card:${entry.record.card}`,
          kind: 'entry_while_underground',
          severity: 'high',
          people: [ref],
          message: { zh: `重复入井：${who.zh}已在井下又刷卡入井`, en: `Card entered again while already underground: ${who.en}` },
          details: { card: entry.record.card },
        }),
      );
    }
    if (expiredSince !== null) {
      findings.push(
        finding({
          key: `training-expired:card:${entry.record.card}`,
          kind: 'training_expired_underground',
          severity: 'low',
          people: [ref],
          message: { zh: `井下人员安全培训已到期：${who.zh}`, en: `Safety training expired while underground: ${who.en}` },
          details: { card: entry.record.card, expiredAt: expiredSince },
        }),
      );
    }
  }
  return findings;
}

function reasonsAtEntry(entry: PersonUnderground, config: EligibilityConfig, now: number): Reason[] {
  const reasons: Reason[] = [];
  const person = entry.person;
  if (person === null) {
    if (config.unknownCard) reasons.push({ kind: 'unknown_card', text: { zh: '卡号未登记', en: 'card not on the roster' } });
    return reasons;
  }
  if (config.labourDispatch && person.employer === 'labour_dispatch') {
    reasons.push({ kind: 'labour_dispatch_entry', text: { zh: '劳务派遣人员不得下井', en: 'labour-dispatch workers may not work underground' } });
  }
  // Judged at the moment of entry; a person found underground without an entry is judged now.
  const at = entry.record.enteredAt ?? now;
  if (config.training && !trainingValidAt(person, at)) {
    reasons.push(
      person.trainingValidUntil === null
        ? { kind: 'untrained_entry', text: { zh: '未经安全培训', en: 'no safety training on record' } }
        : { kind: 'untrained_entry', text: { zh: '安全培训已过期', en: 'safety training expired' } },
    );
  }
  return reasons;
}

function trainingExpiredUnderground(entry: PersonUnderground, config: EligibilityConfig, now: number): number | null {
  const person = entry.person;
  const enteredAt = entry.record.enteredAt;
  if (config.trainingExpiringUnderground === 'ignore' || person === null || enteredAt === null || person.trainingValidUntil === null) return null;
  return trainingValidAt(person, enteredAt) && !trainingValidAt(person, now) ? person.trainingValidUntil : null;
}
