/**
 * The quotas and the suspension in force: the local config, overridden by what the platform set
 * (a platform quota for the same scope and target wins; a platform suspension order wins over the
 * local switch). The roster: the platform's once it sent one, else the file's.
 */
import type { QuotasConfig, SuspensionConfig } from '../../config/rules-schema.js';
import { quotaKey, type RuntimeSettingsData } from '../commands/runtime-settings-data.js';
import { rosterFromPlatform, type Roster } from '../people/roster.js';
import type { EffectiveQuota, EffectiveSuspension } from './rule-types.js';

export function effectiveQuotas(config: QuotasConfig, settings: Readonly<RuntimeSettingsData>): EffectiveQuota[] {
  const quotas = new Map<string, EffectiveQuota>();
  const put = (quota: EffectiveQuota) => quotas.set(quotaKey(quota.scope, quota.target), quota);
  if (config.mine !== undefined) put({ scope: 'mine', target: null, limit: config.mine, source: 'config' });
  if (config.shift !== undefined) put({ scope: 'shift', target: null, limit: config.shift, source: 'config' });
  for (const [area, limit] of Object.entries(config.areas)) put({ scope: 'area', target: area, limit, source: 'config' });
  for (const [level, limit] of Object.entries(config.levels)) put({ scope: 'level', target: level, limit, source: 'config' });
  for (const quota of Object.values(settings.quotas)) put({ scope: quota.scope, target: quota.target, limit: quota.limit, source: 'platform' });
  return [...quotas.values()];
}

export function effectiveSuspension(config: SuspensionConfig, settings: Readonly<RuntimeSettingsData>): EffectiveSuspension | null {
  const order = settings.suspension;
  if (order) {
    return {
      orderRef: order.orderRef,
      maxPerShift: order.maxPerShift,
      // Measure 25 caps it at 10 whatever an order says; a lower local cap also holds.
      maxPerWorkLocation: Math.min(order.maxPerWorkLocation, config.maxPerWorkLocation),
      source: 'platform',
    };
  }
  if (!config.active) return null;
  return { orderRef: config.orderRef ?? '本地停工整改 local order', maxPerShift: config.maxPerShift ?? null, maxPerWorkLocation: config.maxPerWorkLocation, source: 'config' };
}

/**
 * The platform roster as people, per roster setting: asked at every decision, and a new roster
 * setting is a new object (RuntimeSettings replaces values, never edits them in place).
 */
const platformRosters = new WeakMap<RuntimeSettingsData['roster'], Roster>();

export function effectiveRoster(fileRoster: Roster | null, settings: Readonly<RuntimeSettingsData>): Roster | null {
  if (settings.roster.version <= 0) return fileRoster;
  let roster = platformRosters.get(settings.roster);
  if (roster === undefined) {
    roster = rosterFromPlatform(settings.roster);
    platformRosters.set(settings.roster, roster);
  }
  return roster;
}

/** The lowest mine-wide quota in force, for the LED board; null when none is set. */
export function mineQuota(quotas: readonly EffectiveQuota[]): number | null {
  let lowest: number | null = null;
  for (const q of quotas) if (q.scope === 'mine' && (lowest === null || q.limit < lowest)) lowest = q.limit;
  return lowest;
}
