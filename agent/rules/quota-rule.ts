/**
 * Measure 36, 不得超定员: headcount per mine, shift, area and level against its quota. At the quota
 * the permit is withdrawn (the next person would be one too many); above it, an alarm.
 */
import type { HeadcountView, PersonUnderground } from '../headcount/headcount-view.js';
import { finding, personRef, type EffectiveQuota, type Finding, type RuleSnapshot } from './rule-types.js';

const SCOPE_NAMES = { mine: { zh: '全矿', en: 'mine' }, shift: { zh: '班次', en: 'shift' }, area: { zh: '区域', en: 'area' }, level: { zh: '中段', en: 'level' } } as const;

export function quotaRule(snapshot: RuleSnapshot, _config: null, _now: number): Finding[] {
  const findings: Finding[] = [];
  for (const quota of snapshot.quotas) {
    for (const [group, people] of groupsOf(snapshot.headcount, quota)) {
      findings.push(...judge(snapshot, quota, group, people));
    }
  }
  return findings;
}

/** The groups a quota applies to: the mine, every shift with people, or the target area/level. */
function groupsOf(view: HeadcountView, quota: EffectiveQuota): Array<[string | null, PersonUnderground[]]> {
  switch (quota.scope) {
    case 'mine':
      return [[null, view.people]];
    case 'shift':
      return [...view.byShift.entries()];
    case 'area':
      return [[quota.target, view.byArea.get(quota.target ?? '') ?? []]];
    case 'level':
      return [[quota.target, view.byLevel.get(quota.target ?? '') ?? []]];
  }
}

function judge(snapshot: RuleSnapshot, quota: EffectiveQuota, group: string | null, people: PersonUnderground[]): Finding[] {
  const count = people.length;
  if (count < quota.limit) return [];
  const suffix = group === null ? quota.scope : `${quota.scope}:${group}`;
  const scope = SCOPE_NAMES[quota.scope];
  const groupName = group === null ? '' : ` ${snapshot.layout.nameOf(group)}`;
  const details = { scope: quota.scope, target: group, count, limit: quota.limit, source: quota.source };
  const out: Finding[] = [
    finding({
      key: `quota-full:${suffix}`,
      kind: 'quota_reached',
      severity: 'medium',
      alarm: false,
      withdrawsPermit: true,
      message: {
        zh: `${scope.zh}${groupName}井下人数已达定员 ${count}/${quota.limit}，暂停入井`,
        en: `${scope.en}${groupName} headcount at quota ${count}/${quota.limit}: no further entry`,
      },
      details,
    }),
  ];
  if (count > quota.limit) {
    out.push(
      finding({
        key: `quota:${suffix}`,
        kind: 'over_quota',
        severity: 'high',
        withdrawsPermit: true,
        people: people.map((p) => personRef(p, snapshot.layout)),
        message: {
          zh: `超定员：${scope.zh}${groupName}井下 ${count} 人，定员 ${quota.limit} 人`,
          en: `Over quota: ${count} underground in ${scope.en}${groupName}, quota ${quota.limit}`,
        },
        details,
      }),
    );
  }
  return out;
}
