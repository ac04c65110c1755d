/**
 * Measure 28, 遇极端天气严禁人员入井: an entry ban from the local weather station (24-hour rainfall
 * at or above the threshold, lifting only below the restore level), from upstream alerts (type ×
 * colour at or above the policy) and from the manual switch. Each source is its own condition.
 */
import type { WeatherConfig } from '../../config/rules-schema.js';
import { WEATHER_COLOURS } from '../commands/command-schema.js';
import { finding, pointKey, type Finding, type RuleSnapshot } from './rule-types.js';

export const RAIN_BAN_KEY = 'ban:weather:rain24h';

const COLOUR_ZH = { blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' } as const;
const TYPE_ZH: Record<string, string> = {
  rainstorm: '暴雨',
  typhoon: '台风',
  thunderstorm: '雷电',
  gale: '大风',
  blizzard: '暴雪',
  cold_wave: '寒潮',
  heat: '高温',
  fog: '大雾',
  hail: '冰雹',
  sandstorm: '沙尘暴',
  other: '其他',
};

export function weatherBanRule(snapshot: RuleSnapshot, config: WeatherConfig, _now: number): Finding[] {
  return [...localRainBan(snapshot, config), ...alertBans(snapshot, config), ...manualBan(snapshot)];
}

function localRainBan(snapshot: RuleSnapshot, config: WeatherConfig): Finding[] {
  const rain = config.rain24h;
  if (!rain) return [];
  const reading = snapshot.points.get(pointKey(rain.device, rain.point));
  if (!reading || reading.quality !== 'good' || typeof reading.value !== 'number') {
    // Unknown is not safe: never read as "no rain". A fault always; a ban too if so configured.
    const ban = config.onUnknown === 'ban';
    return [
      finding({
        key: 'weather:rain24h:unknown',
        kind: 'system_fault',
        severity: 'high',
        withdrawsPermit: ban,
        ban,
        message: {
          zh: `气象站24小时降雨量无有效数据(${reading?.quality ?? '未配置'})${ban ? '，按规定禁止入井' : ''}`,
          en: `Weather station 24-hour rainfall unknown (${reading?.quality ?? 'not configured'})${ban ? ': entry banned as configured' : ''}`,
        },
        details: { device: rain.device, point: rain.point, quality: reading?.quality ?? null },
      }),
    ];
  }
  const value = reading.value;
  const wasActive = snapshot.activeKeys.has(RAIN_BAN_KEY);
  const liftBelow = rain.liftBelowMm ?? rain.banAtMm;
  const active = wasActive ? value >= liftBelow : value >= rain.banAtMm;
  if (!active) return [];
  return [
    finding({
      key: RAIN_BAN_KEY,
      kind: 'weather_ban',
      severity: 'high',
      withdrawsPermit: true,
      ban: true,
      message: {
        zh: `极端天气禁止入井：24小时降雨量 ${value.toFixed(1)} mm ≥ ${rain.banAtMm} mm`,
        en: `Extreme-weather entry ban: 24-hour rainfall ${value.toFixed(1)} mm ≥ ${rain.banAtMm} mm`,
      },
      details: { rain24hMm: value, banAtMm: rain.banAtMm, liftBelowMm: liftBelow },
    }),
  ];
}

function alertBans(snapshot: RuleSnapshot, config: WeatherConfig): Finding[] {
  const findings: Finding[] = [];
  for (const alert of snapshot.weatherAlerts) {
    const rule = config.alertPolicy.find((p) => p.type === alert.type);
    if (!rule || WEATHER_COLOURS.indexOf(alert.colour) < WEATHER_COLOURS.indexOf(rule.minColour)) continue;
    const typeZh = TYPE_ZH[alert.type] ?? alert.type;
    findings.push(
      finding({
        key: `ban:weather:alert:${alert.alertId}`,
        kind: 'weather_ban',
        severity: 'high',
        withdrawsPermit: true,
        ban: true,
        message: {
          zh: `极端天气禁止入井：${typeZh}${COLOUR_ZH[alert.colour]}预警(${alert.alertId})`,
          en: `Extreme-weather entry ban: ${alert.type} ${alert.colour} warning (${alert.alertId})`,
        },
        details: { alertId: alert.alertId, type: alert.type, colour: alert.colour, validUntil: alert.validUntil },
      }),
    );
  }
  return findings;
}

function manualBan(snapshot: RuleSnapshot): Finding[] {
  const ban = snapshot.manualBan;
  if (!ban) return [];
  return [
    finding({
      key: 'ban:manual',
      kind: 'manual_ban',
      severity: 'medium',
      alarm: false,
      withdrawsPermit: true,
      ban: true,
      message: { zh: `人工禁止入井(${ban.by})${ban.note ? `：${ban.note}` : ''}`, en: `Manual entry ban by ${ban.by}${ban.note ? `: ${ban.note}` : ''}` },
      details: { by: ban.by, since: ban.since },
    }),
  ];
}
