/**
 * The people themselves: an emergency call from a card, a card not heard for too long (the person
 * stays counted), and people still underground past their shift plus the grace period.
 */
import { describePerson, finding, personRef, type Finding, type RuleSnapshot } from './rule-types.js';

export interface PeopleWatchConfig {
  noSignalAfterMs: number;
  overtimeGraceMs: number;
}

export function peopleWatchRule(snapshot: RuleSnapshot, config: PeopleWatchConfig, now: number): Finding[] {
  const findings: Finding[] = [];
  for (const entry of snapshot.headcount.people) {
    const record = entry.record;
    // Only a snapshot confirms a signal; until the first, absence of news is not yet a finding.
    const heardAt = record.lastSeenAt ?? record.enteredAt;
    const noSignal = snapshot.headcountConfirmed && (heardAt === null || now - heardAt > config.noSignalAfterMs);
    const shiftEnd = entry.shift?.endsAt;
    const overtime = shiftEnd !== undefined && now > shiftEnd + config.overtimeGraceMs;
    // Most people have no finding: name them only when one does.
    if (!record.emergencyCall && !noSignal && !overtime) continue;
    const ref = personRef(entry, snapshot.layout);
    const who = describePerson(ref);
    if (record.emergencyCall) {
      findings.push(
        finding({
          key: `emergency-call:card:${record.card}`,
          kind: 'emergency_call',
          severity: 'critical',
          people: [ref],
          message: { zh: `井下紧急呼叫：${who.zh}，位置 ${ref.location ?? '未知'}`, en: `Emergency call from underground: ${who.en} at ${ref.location ?? 'unknown location'}` },
          details: { card: record.card },
        }),
      );
    }
    if (noSignal) {
      findings.push(
        finding({
          key: `no-signal:card:${record.card}`,
          kind: 'no_signal',
          severity: 'medium',
          people: [ref],
          message: {
            zh: `井下人员信号丢失：${who.zh}，最后位置 ${ref.location ?? '未知'}(仍计入井下人数)`,
            en: `No signal from ${who.en}, last at ${ref.location ?? 'unknown'} (still counted underground)`,
          },
          details: { card: record.card, lastSeenAt: heardAt },
        }),
      );
    }
    if (overtime) {
      findings.push(
        finding({
          key: `overtime:card:${record.card}`,
          kind: 'overtime',
          severity: 'low',
          people: [ref],
          message: { zh: `超时未升井：${who.zh}(${entry.shift?.name ?? ''}已结束)`, en: `Overtime underground: ${who.en} (shift ${entry.shift?.shiftId ?? ''} ended)` },
          details: { card: record.card, shiftEndedAt: shiftEnd },
        }),
      );
    }
  }
  return findings;
}
