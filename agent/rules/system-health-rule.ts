/**
 * Measures 14 and 27: the five systems answering and fresh, and online ground pressure where the
 * mine is 800 m deep or more. A system with no device, a device without a good cycle for N poll
 * intervals, or a missing/unreadable ground-pressure point is a fault. Stale positioning, an
 * unconfirmed headcount or an unhealthy agent also withdraw the permit: the count cannot be trusted.
 */
import type { SystemsConfig } from '../../config/rules-schema.js';
import { finding, pointKey, type DeviceHealth, type Finding, type RuleSnapshot } from './rule-types.js';

export const GROUND_PRESSURE_DEPTH_M = 800;

const SYSTEM_ZH: Record<string, string> = {
  personnel_positioning: '人员定位',
  safety_monitoring: '安全监测监控',
  communication: '通信联络',
  compressed_air: '压风自救',
  water_supply: '供水施救',
  weather: '气象',
  outputs: '井口输出',
};

export function systemHealthRule(snapshot: RuleSnapshot, config: SystemsConfig, now: number): Finding[] {
  const findings: Finding[] = [];
  const bySystem = new Map<string, DeviceHealth[]>();
  for (const device of snapshot.devices) {
    const list = bySystem.get(device.system);
    if (list) list.push(device);
    else bySystem.set(device.system, [device]);
  }
  const systems = new Set<string>([...config.required, ...bySystem.keys()]);
  for (const system of systems) {
    const devices = bySystem.get(system) ?? [];
    const polls = config.staleAfterPollsBySystem[system as keyof SystemsConfig['staleAfterPollsBySystem']] ?? config.staleAfterPolls;
    const stale = devices.filter((d) => d.lastGoodAt === null || now - d.lastGoodAt > polls * d.pollIntervalMs);
    const missing = devices.length === 0;
    if (!missing && stale.length === 0) continue;
    const positioning = system === 'personnel_positioning';
    const nameZh = SYSTEM_ZH[system] ?? system;
    findings.push(
      finding({
        key: `system:${system}`,
        kind: 'system_fault',
        severity: positioning ? 'critical' : 'high',
        withdrawsPermit: positioning,
        message: missing
          ? { zh: `${nameZh}系统未配置`, en: `${system} system not configured` }
          : {
              zh: `${nameZh}系统故障：${stale.map((d) => d.deviceId).join('、')} 无数据或数据过期${positioning ? '，暂停入井' : ''}`,
              en: `${system} system fault: no fresh data from ${stale.map((d) => d.deviceId).join(', ')}${positioning ? '; entry not permitted' : ''}`,
            },
        details: { system, devices: stale.map((d) => d.deviceId).join(','), staleAfterPolls: polls },
      }),
    );
  }
  if (!snapshot.headcountConfirmed) {
    findings.push(
      finding({
        key: 'positioning:unconfirmed',
        kind: 'headcount_unconfirmed',
        severity: 'medium',
        alarm: false,
        withdrawsPermit: true,
        message: { zh: '井下人数尚未经人员定位系统确认', en: 'Headcount not yet confirmed by the positioning system' },
      }),
    );
  }
  if (!snapshot.agent.healthy) {
    findings.push(
      finding({
        key: 'agent:unhealthy',
        kind: 'agent_fault',
        severity: 'critical',
        withdrawsPermit: true,
        message: {
          zh: `网关自身故障，转人工控制：${snapshot.agent.problems.join('；')}`,
          en: `Gateway unhealthy, dispatcher takes manual control: ${snapshot.agent.problems.join('; ')}`,
        },
      }),
    );
  }
  findings.push(...groundPressure(snapshot, config));
  return findings;
}

function groundPressure(snapshot: RuleSnapshot, config: SystemsConfig): Finding[] {
  const depth = config.mineDepthM ?? snapshot.layout.depthM;
  if (depth < GROUND_PRESSURE_DEPTH_M) return [];
  const bad = config.groundPressure.filter((ref) => snapshot.points.get(pointKey(ref.device, ref.point))?.quality !== 'good');
  if (config.groundPressure.length > 0 && bad.length === 0) return [];
  return [
    finding({
      key: 'system:ground_pressure',
      kind: 'system_fault',
      severity: 'high',
      message:
        config.groundPressure.length === 0
          ? { zh: `开采深度 ${depth} m ≥ 800 m，未配置在线地压监测`, en: `Mine depth ${depth} m ≥ 800 m but no online ground-pressure point is configured` }
          : {
              zh: `在线地压监测无有效数据：${bad.map((r) => pointKey(r.device, r.point)).join('、')}`,
              en: `Online ground pressure unavailable: ${bad.map((r) => pointKey(r.device, r.point)).join(', ')}`,
            },
      details: { depthM: depth },
    }),
  ];
}
