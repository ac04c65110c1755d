/**
 * Measure 14: small and medium metal mines may not work 4 or more production levels at once. A
 * level is "at work" when somebody is at one of its work locations (passing its station is not work).
 */
import { finding, type Finding, type RuleSnapshot } from './rule-types.js';
import { compareText } from '../model/compare-text.js';

export interface ProductionLevelsRuleConfig {
  max: number;
}

export function productionLevelsRule(snapshot: RuleSnapshot, config: ProductionLevelsRuleConfig, _now: number): Finding[] {
  const perLevel = new Map<string, number>();
  for (const entry of snapshot.headcount.people) {
    const place = entry.place;
    if (place?.productionLevel && place.workLocation !== null && place.level !== null) perLevel.set(place.level, (perLevel.get(place.level) ?? 0) + 1);
  }
  if (perLevel.size < config.max) return [];
  const levels = [...perLevel.entries()].sort(([a], [b]) => compareText(a, b));
  const listZh = levels.map(([level, n]) => `${snapshot.layout.nameOf(level)} ${n}人`).join('、');
  const listEn = levels.map(([level, n]) => `${level}: ${n}`).join(', ');
  return [
    finding({
      key: 'production-levels',
      kind: 'production_levels',
      severity: 'high',
      message: {
        zh: `同时作业生产中段 ${perLevel.size} 个(上限 ${config.max - 1})：${listZh}`,
        en: `${perLevel.size} production levels at work at once (alarm at ${config.max}): ${listEn}`,
      },
      details: { levels: perLevel.size, max: config.max, perLevel: listEn },
    }),
  ];
}
