/**
 * The simulated mine, described once in code: a small metal mine (金属非金属地下矿山) 450 m deep
 * with a haulage level and five production levels, east and west wings, so that every rule of the
 * measures can be exercised (four or more levels at work, a concentrated-risk area, …).
 * generate.ts writes it to layout.yaml.
 */
import type { MineLayout } from './layout.js';

const PRODUCTION_LEVELS = [-250, -300, -350, -400, -450] as const;
/** Risk areas (集中作业风险区域): blasting stope and a heading near old workings. */
const RISK_AREAS = [
  { id: 'RA-350E', name: '-350m 东翼采场爆破区', reason: 'blasting stope: parallel work by several crews is forbidden (measure 36)', location: 'WL-350E' },
  { id: 'RA-400W', name: '-400m 西翼掘进 老采空区附近', reason: 'heading next to old workings (water/collapse hazard)', location: 'WL-400W' },
] as const;

export const CREWS = [
  { id: 'C01', name: '采矿一队' }, { id: 'C02', name: '采矿二队' }, { id: 'C03', name: '采矿三队' }, { id: 'C04', name: '采矿四队' },
  { id: 'C05', name: '掘进一队' }, { id: 'C06', name: '掘进二队' }, { id: 'C07', name: '掘进三队' }, { id: 'C08', name: '掘进四队' },
  { id: 'C09', name: '运输一队' }, { id: 'C10', name: '运输二队' }, { id: 'C11', name: '机电队' }, { id: 'C12', name: '通风队' },
  { id: 'C13', name: '支护队(外委)' }, { id: 'C14', name: '充填队(外委)' }, { id: 'C15', name: '探矿队(外委)' }, { id: 'C16', name: '安装队(外委)' },
] as const;
/** Crews whose people work for a contractor (外委施工单位). */
export const CONTRACTOR_CREWS: ReadonlySet<string> = new Set(['C13', 'C14', 'C15', 'C16']);

export function buildLayout(): MineLayout {
  const levels: MineLayout['levels'] = [
    { id: 'L-200', name: '-200m 运输中段', elevationM: -200, production: false },
    ...PRODUCTION_LEVELS.map((m) => ({ id: `L${m}`, name: `${m}m 中段`, elevationM: m, production: true })),
  ];
  const workLocations: MineLayout['workLocations'] = PRODUCTION_LEVELS.flatMap((m) => [
    { id: `WL${m}E`, name: `${m}m 东翼采场`, level: `L${m}`, area: 'east', riskArea: RISK_AREAS.find((r) => r.location === `WL${m}E`)?.id ?? null },
    { id: `WL${m}W`, name: `${m}m 西翼掘进工作面`, level: `L${m}`, area: 'west', riskArea: RISK_AREAS.find((r) => r.location === `WL${m}W`)?.id ?? null },
  ]);
  // Wire ids: zone/reader 1–2 at the shaft head, 10 the haulage level, then 10 × level index + 1..3.
  const zones: MineLayout['zones'] = [
    { id: 1, name: '井口', level: null, area: null, workLocation: null },
    { id: 10, name: '-200m 井底车场', level: 'L-200', area: 'shaft', workLocation: null },
  ];
  const readers: MineLayout['readers'] = [
    { id: 1, code: 'R001', name: '井口入井读卡器', zone: 1, shaftHead: 'entry' },
    { id: 2, code: 'R002', name: '井口出井读卡器', zone: 1, shaftHead: 'exit' },
    { id: 10, code: 'R010', name: '-200m 井底车场读卡器', zone: 10, shaftHead: null },
  ];
  PRODUCTION_LEVELS.forEach((m, i) => {
    const base = 10 * (i + 2);
    zones.push(
      { id: base + 1, name: `${m}m 马头门`, level: `L${m}`, area: 'shaft', workLocation: null },
      { id: base + 2, name: `${m}m 东翼采场`, level: `L${m}`, area: 'east', workLocation: `WL${m}E` },
      { id: base + 3, name: `${m}m 西翼掘进工作面`, level: `L${m}`, area: 'west', workLocation: `WL${m}W` },
    );
    readers.push(
      { id: base + 1, code: `R0${base + 1}`, name: `${m}m 马头门读卡器`, zone: base + 1, shaftHead: null },
      { id: base + 2, code: `R0${base + 2}`, name: `${m}m 东翼采场读卡器`, zone: base + 2, shaftHead: null },
      { id: base + 3, code: `R0${base + 3}`, name: `${m}m 西翼掘进读卡器`, zone: base + 3, shaftHead: null },
    );
  });
  return {
    mine: { id: 'hlj-demo-mine', name: '黑龙江示范金属矿', kind: 'metal', depthM: 450 },
    levels,
    areas: [
      { id: 'shaft', name: '井筒及车场' },
      { id: 'east', name: '东翼' },
      { id: 'west', name: '西翼' },
    ],
    riskAreas: RISK_AREAS.map(({ id, name, reason }) => ({ id, name, reason })),
    workLocations,
    zones,
    readers,
    crews: CREWS.map((c) => ({ ...c })),
  };
}
