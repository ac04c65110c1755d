/**
 * Measure 36, 领导带班下井: workers of a shift (or crew) underground with no leader of that shift
 * (or crew) underground → alarm. People of unknown shift or crew are a group of their own: with
 * nobody to vouch for them, they have no leader either.
 */
import type { LeaderConfig } from '../../config/rules-schema.js';
import type { PersonUnderground } from '../headcount/headcount-view.js';
import { finding, listPeople, personRef, type Finding, type RuleSnapshot } from './rule-types.js';

export function leaderRule(snapshot: RuleSnapshot, config: LeaderConfig, _now: number): Finding[] {
  if (!config.required) return [];
  const groups = config.scope === 'shift' ? snapshot.headcount.byShift : groupByCrew(snapshot.headcount.people);
  const findings: Finding[] = [];
  for (const [group, people] of groups) {
    if (people.some(isLeader)) continue;
    const refs = people.map((p) => personRef(p, snapshot.layout));
    const names = listPeople(refs);
    const groupName = config.scope === 'shift' ? (people[0]?.shift?.name ?? group) : snapshot.layout.nameOf(group);
    findings.push(
      finding({
        key: `no-leader:${config.scope}:${group}`,
        kind: 'no_leader_on_shift',
        severity: 'high',
        people: refs,
        message: {
          zh: `无带班领导：${groupName} ${people.length} 人在井下，无本${config.scope === 'shift' ? '班' : '队'}带班领导(${names.zh})`,
          en: `No leader on shift: ${people.length} of ${config.scope} ${group} underground without their leader (${names.en})`,
        },
        details: { scope: config.scope, group, count: people.length },
      }),
    );
  }
  return findings;
}

export function isLeader(entry: PersonUnderground): boolean {
  return entry.person?.role === 'leader';
}

function groupByCrew(people: readonly PersonUnderground[]): Map<string, PersonUnderground[]> {
  const groups = new Map<string, PersonUnderground[]>();
  for (const entry of people) {
    const crew = entry.crew ?? `?${entry.record.card}`;
    const list = groups.get(crew);
    if (list) list.push(entry);
    else groups.set(crew, [entry]);
  }
  return groups;
}
