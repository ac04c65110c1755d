/**
 * Measure 36, 禁止在井下安全风险集中区域安排平行作业: more crews than allowed (one) in a designated
 * risk area → alarm. A person of unknown crew counts as a crew of their own: unknown is not safe.
 */
import { finding, personRef, type Finding, type RuleSnapshot } from './rule-types.js';

export interface RiskAreaRuleConfig {
  maxCrews: number;
}

export function riskAreaRule(snapshot: RuleSnapshot, config: RiskAreaRuleConfig, _now: number): Finding[] {
  const findings: Finding[] = [];
  for (const [riskArea, people] of snapshot.headcount.byRiskArea) {
    const crews = new Set(people.map((p) => p.crew ?? `?${p.record.card}`));
    if (crews.size <= config.maxCrews) continue;
    const crewNames = [...crews].map((c) => (c.startsWith('?') ? `未知(${c.slice(1)})` : snapshot.layout.nameOf(c)));
    const where = snapshot.layout.nameOf(riskArea);
    findings.push(
      finding({
        key: `parallel-work:${riskArea}`,
        kind: 'parallel_work',
        severity: 'high',
        people: people.map((p) => personRef(p, snapshot.layout)),
        message: {
          zh: `风险集中区域平行作业：${where} 有 ${crews.size} 个队组(${crewNames.join('、')})`,
          en: `Parallel work in risk area ${riskArea}: ${crews.size} crews (${[...crews].join(', ')})`,
        },
        details: { riskArea, crews: [...crews].join(','), count: people.length },
      }),
    );
  }
  return findings;
}
