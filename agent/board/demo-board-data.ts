/**
 * A believable small metal mine for the fake board model: three areas, three levels, three shifts,
 * a couple of dozen people, one alarm of each state. Used by tests and by the demo until the
 * interlocks engine feeds the board. Deterministic (no randomness), so screenshots compare.
 */
import type { BoardAlarm, BoardPerson, ShiftDuty, SystemHealth } from './board-model.js';

export interface PlaceDefinition {
  id: string;
  name: string;
  quota: number | null;
}

export interface FakeMineData {
  mineName: string;
  gatewayName: string;
  mineQuota: number | null;
  areas: PlaceDefinition[];
  levels: PlaceDefinition[];
  shifts: Array<PlaceDefinition & { current: boolean }>;
  people: BoardPerson[];
  duty: ShiftDuty[];
  alarms: BoardAlarm[];
  systems: SystemHealth[];
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '林'];
const GIVEN = ['建国', '志强', '海波', '红军', '立新', '国庆', '永刚', '德明', '春生', '宝山', '振华', '文斌'];
const WORK_LOCATIONS = [
  { zone: 'Z-101', workLocation: '3号采场', area: 'north', level: 'L-200' },
  { zone: 'Z-102', workLocation: '5号掘进工作面', area: 'north', level: 'L-350' },
  { zone: 'Z-201', workLocation: '南翼运输巷', area: 'south', level: 'L-350' },
  { zone: 'Z-202', workLocation: '7号采场', area: 'south', level: 'L-500' },
  { zone: 'Z-301', workLocation: '中央水泵房', area: 'shaft', level: 'L-500' },
];

/** A person of the day shift, deterministic from the index. */
export function demoPerson(index: number, enteredAt: number): BoardPerson {
  const place = WORK_LOCATIONS[index % WORK_LOCATIONS.length]!;
  return {
    card: String(100_200 + index),
    name: `${SURNAMES[index % SURNAMES.length]!}${GIVEN[(index * 7) % GIVEN.length]!}`,
    crew: `采矿${(index % 3) + 1}班`,
    role: index === 0 ? 'leader' : index % 5 === 4 ? 'special_operator' : 'worker',
    shift: 'day',
    enteredAt,
    location: place,
    overtime: index === 6,
    signalLost: index === 9,
  };
}

export function demoMineData(now: number): FakeMineData {
  const hour = 3_600_000;
  const people = Array.from({ length: 23 }, (_, index) => demoPerson(index, now - 5 * hour + index * 240_000));
  // One card the roster does not know: counted and shown, never hidden.
  people.push({ ...demoPerson(23, now - hour), name: null, crew: null, role: null });
  const system = (id: SystemHealth['id'], staleAfterMs: number): SystemHealth => ({ id, status: 'ok', lastGoodAt: now - 2_000, staleAfterMs, detail: null });
  return {
    mineName: '黑龙江示范金矿',
    gatewayName: '主井井口网关',
    mineQuota: 30,
    areas: [
      { id: 'north', name: '北翼采区', quota: 12 },
      { id: 'south', name: '南翼采区', quota: 12 },
      { id: 'shaft', name: '井底车场', quota: 6 },
    ],
    levels: [
      { id: 'L-200', name: '-200m 中段', quota: null },
      { id: 'L-350', name: '-350m 中段', quota: null },
      { id: 'L-500', name: '-500m 中段', quota: null },
    ],
    shifts: [
      { id: 'night', name: '夜班 00:00–08:00', quota: 30, current: false },
      { id: 'day', name: '早班 08:00–16:00', quota: 30, current: true },
      { id: 'evening', name: '中班 16:00–24:00', quota: 30, current: false },
    ],
    people,
    duty: [
      { shiftId: 'day', shiftName: '早班', current: true, leaders: [{ name: people[0]!.name!, card: people[0]!.card, underground: true }] },
      { shiftId: 'evening', shiftName: '中班', current: false, leaders: [{ name: '孙德胜', card: '100900', underground: false }] },
      { shiftId: 'night', shiftName: '夜班', current: false, leaders: [] },
    ],
    alarms: [
      {
        key: 'analog:CO:Z-202',
        severity: 'high',
        state: 'active_unacked',
        message: { zh: '7号采场 CO 浓度 26 ppm，超过报警值 24 ppm', en: 'CO 26 ppm at stope 7, above the 24 ppm alarm level' },
        since: now - 4 * 60_000,
        people: [],
        acknowledgedBy: null,
      },
      {
        key: 'people:overtime:100206',
        severity: 'medium',
        state: 'active_acked',
        message: { zh: `${people[6]!.name!} 超时未升井`, en: `${people[6]!.name!} overdue to come up` },
        since: now - 40 * 60_000,
        people: [{ card: people[6]!.card, name: people[6]!.name, location: '3号采场' }],
        acknowledgedBy: '王建国',
      },
      {
        key: 'system:communication:stale',
        severity: 'medium',
        state: 'cleared_unacked',
        message: { zh: '通信联络系统数据中断（已恢复）', en: 'Communication system data interrupted (recovered)' },
        since: now - 90 * 60_000,
        people: [],
        acknowledgedBy: null,
      },
    ],
    systems: [
      system('personnel_positioning', 30_000),
      system('safety_monitoring', 30_000),
      system('communication', 30_000),
      system('compressed_air', 30_000),
      { ...system('water_supply', 30_000), status: 'stale', lastGoodAt: now - 95_000, detail: { zh: '95 秒无数据', en: 'no data for 95 s' } },
      system('weather', 60_000),
      system('outputs', 10_000),
    ],
  };
}
