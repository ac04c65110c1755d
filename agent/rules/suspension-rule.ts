/**
 * Measure 25, 停工停产整改: while the mine is suspended, a single-shift cap and at most 10 (the
 * configured cap) at one work location. At the shift cap the permit is withdrawn, above it an
 * alarm; more than the cap at one work location is an alarm.
 */
import { finding, listPeople, personRef, type Finding, type RuleSnapshot } from './rule-types.js';

export function suspensionRule(snapshot: RuleSnapshot, _config: null, _now: number): Finding[] {
  const suspension = snapshot.suspension;
  if (!suspension) return [];
  const findings: Finding[] = [];
  const order = suspension.orderRef;
  if (suspension.maxPerShift !== null) {
    for (const [shift, people] of snapshot.headcount.byShift) {
      const count = people.length;
      if (count < suspension.maxPerShift) continue;
      const details = { shift, count, limit: suspension.maxPerShift, orderRef: order };
      findings.push(
        finding({
          key: `suspension-full:shift:${shift}`,
          kind: 'suspended_shift_cap_reached',
          severity: 'medium',
          alarm: false,
          withdrawsPermit: true,
          message: { zh: `停工整改：本班井下 ${count}/${suspension.maxPerShift} 人，已达限额`, en: `Suspended mine: shift headcount ${count}/${suspension.maxPerShift}, cap reached` },
          details,
        }),
      );
      if (count > suspension.maxPerShift) {
        findings.push(
          finding({
            key: `suspension:shift:${shift}`,
            kind: 'suspended_shift_cap',
            severity: 'high',
            withdrawsPermit: true,
            people: people.map((p) => personRef(p, snapshot.layout)),
            message: {
              zh: `停工整改期间单班下井 ${count} 人，超过限额 ${suspension.maxPerShift} 人(${order})`,
              en: `Suspended mine: ${count} of one shift underground, cap ${suspension.maxPerShift} (${order})`,
            },
            details,
          }),
        );
      }
    }
  }
  for (const [location, people] of snapshot.headcount.byWorkLocation) {
    const count = people.length;
    if (count <= suspension.maxPerWorkLocation) continue;
    const refs = people.map((p) => personRef(p, snapshot.layout));
    const names = listPeople(refs);
    const where = snapshot.layout.nameOf(location);
    findings.push(
      finding({
        key: `suspension:location:${location}`,
        kind: 'suspended_location_cap',
        severity: 'high',
        people: refs,
        message: {
          zh: `停工整改期间${where}作业 ${count} 人，超过 ${suspension.maxPerWorkLocation} 人：${names.zh}`,
          en: `Suspended mine: ${count} people at ${location}, more than ${suspension.maxPerWorkLocation}: ${names.en}`,
        },
        details: { workLocation: location, count, limit: suspension.maxPerWorkLocation, orderRef: order },
      }),
    );
  }
  return findings;
}
