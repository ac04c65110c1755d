/** Every rule with its slice of the config: adding a rule is one file and one line here. */
import type { InterlocksConfig } from '../../config/rules-schema.js';
import { analogRule } from './analog-rule.js';
import { eligibilityRule } from './eligibility-rule.js';
import { entryViolationRule } from './entry-violation-rule.js';
import { leaderRule } from './leader-rule.js';
import { peopleWatchRule } from './people-watch-rule.js';
import { productionLevelsRule } from './production-levels-rule.js';
import { quotaRule } from './quota-rule.js';
import { riskAreaRule } from './risk-area-rule.js';
import type { Finding, RuleSnapshot } from './rule-types.js';
import { suspensionRule } from './suspension-rule.js';
import { systemHealthRule } from './system-health-rule.js';
import { weatherBanRule } from './weather-ban-rule.js';

export interface BoundRule {
  name: string;
  run: (snapshot: RuleSnapshot, now: number) => Finding[];
  /**
   * For a rule that reads nothing but these parts of the snapshot (besides its config and the
   * layout: not the time, not the previous conditions): the engine reuses its last findings while
   * each part is the same object. The headcount view and the quotas keep their identity while
   * unchanged, so most decisions skip these rules' pass over everyone underground.
   */
  reads?: (snapshot: RuleSnapshot) => readonly unknown[];
}

const headcountAndQuotas = (s: RuleSnapshot) => [s.headcount, s.quotas];
const headcountAndSuspension = (s: RuleSnapshot) => [s.headcount, s.suspension];
const headcountOnly = (s: RuleSnapshot) => [s.headcount];

export function bindRules(config: InterlocksConfig): BoundRule[] {
  const watch = { noSignalAfterMs: config.people.noSignalAfterMs, overtimeGraceMs: config.people.overtimeGraceMinutes * 60_000 };
  return [
    { name: 'system-health', run: (s, now) => systemHealthRule(s, config.systems, now) },
    { name: 'weather-ban', run: (s, now) => weatherBanRule(s, config.weather, now) },
    { name: 'quota', run: (s, now) => quotaRule(s, null, now), reads: headcountAndQuotas },
    { name: 'suspension', run: (s, now) => suspensionRule(s, null, now), reads: headcountAndSuspension },
    { name: 'entry-violation', run: (s, now) => entryViolationRule(s, null, now), reads: headcountAndQuotas },
    { name: 'eligibility', run: (s, now) => eligibilityRule(s, config.eligibility, now) },
    { name: 'leader', run: (s, now) => leaderRule(s, config.leader, now), reads: headcountOnly },
    { name: 'risk-area', run: (s, now) => riskAreaRule(s, config.riskAreas, now), reads: headcountOnly },
    { name: 'production-levels', run: (s, now) => productionLevelsRule(s, config.productionLevels, now), reads: headcountOnly },
    { name: 'analog', run: (s, now) => analogRule(s, config.analog, now) },
    { name: 'people-watch', run: (s, now) => peopleWatchRule(s, watch, now) },
  ];
}
