// Every word the page prints itself, Chinese first. Messages from the gateway (alarms, reasons)
// arrive in both languages already. Language: ?lang=en|zh wins, then the last choice, then Chinese.

import { localStorage, URLSearchParams, window } from './globals.js';

export const TEXT = {
  title: { zh: '井口看板', en: 'Shaft-head board' },
  switchLang: { zh: 'English', en: '中文' },
  headcount: { zh: '井下人数', en: 'Underground' },
  quota: { zh: '定员', en: 'Quota' },
  noQuota: { zh: '未设定员', en: 'no quota' },
  unknown: { zh: '未知', en: 'unknown' },
  underQuota: { zh: '未超定员', en: 'below quota' },
  atQuota: { zh: '已达定员', en: 'at quota' },
  overQuota: { zh: '超定员', en: 'OVER QUOTA' },
  countUnknown: { zh: '人数未知（定位数据中断）', en: 'count unknown (positioning data lost)' },
  people: { zh: '人', en: '' },
  permit: { zh: '入井许可', en: 'Entry permit' },
  permitted: { zh: '准许入井', en: 'ENTRY PERMITTED' },
  notPermitted: { zh: '禁止入井', en: 'NO ENTRY' },
  permitUnknown: { zh: '许可状态未知', en: 'PERMIT UNKNOWN' },
  lastKnown: { zh: '最后已知', en: 'last known' },
  dutyLeader: { zh: '带班领导', en: 'Duty leader' },
  noLeader: { zh: '本班无带班领导', en: 'no leader on this shift' },
  leaderUnderground: { zh: '在井下', en: 'underground' },
  leaderSurface: { zh: '在地面', en: 'on surface' },
  ban: { zh: '禁止入井令', en: 'Entry ban' },
  banOn: { zh: '禁止入井令生效', en: 'ENTRY BAN IN FORCE' },
  banSource_local_weather: { zh: '本地气象站', en: 'local weather station' },
  banSource_upstream_alert: { zh: '上级预警', en: 'upstream alert' },
  banSource_manual: { zh: '人工', en: 'manual' },
  manualBanOn: { zh: '人工禁止入井…', en: 'Manual ban…' },
  manualBanOff: { zh: '解除人工禁止…', en: 'Lift manual ban…' },
  suspension: { zh: '停工停产整改', en: 'Mine suspended' },
  suspensionCaps: { zh: '每班上限 {shift} 人，单个作业地点上限 {location} 人', en: 'cap {shift} per shift, {location} per work location' },
  order: { zh: '指令', en: 'order' },
  alarms: { zh: '报警', en: 'Alarms' },
  noAlarms: { zh: '无报警', en: 'No alarms' },
  state_active_unacked: { zh: '报警·未确认', en: 'ACTIVE · unacked' },
  state_active_acked: { zh: '报警·已确认', en: 'active · acked' },
  state_cleared_unacked: { zh: '已恢复·未确认', en: 'cleared · unacked' },
  severity_critical: { zh: '紧急', en: 'CRITICAL' },
  severity_high: { zh: '高', en: 'HIGH' },
  severity_medium: { zh: '中', en: 'MEDIUM' },
  severity_low: { zh: '低', en: 'LOW' },
  acknowledge: { zh: '确认', en: 'Acknowledge' },
  acknowledgedBy: { zh: '确认人', en: 'acked by' },
  since: { zh: '起', en: 'since' },
  byArea: { zh: '分区', en: 'Areas' },
  byLevel: { zh: '中段', en: 'Levels' },
  byShift: { zh: '班次', en: 'Shifts' },
  currentShift: { zh: '当班', en: 'on duty' },
  peopleUnderground: { zh: '井下人员', en: 'People underground' },
  col_name: { zh: '姓名', en: 'Name' },
  col_card: { zh: '卡号', en: 'Card' },
  col_crew: { zh: '班组', en: 'Crew' },
  col_role: { zh: '岗位', en: 'Role' },
  col_enteredAt: { zh: '入井时间', en: 'Entered' },
  col_location: { zh: '位置', en: 'Location' },
  col_level: { zh: '中段', en: 'Level' },
  col_status: { zh: '状态', en: 'Status' },
  role_leader: { zh: '带班领导', en: 'leader' },
  role_worker: { zh: '作业人员', en: 'worker' },
  role_special_operator: { zh: '特种作业', en: 'special op.' },
  notOnRoster: { zh: '未登记', en: 'not on roster' },
  noEntry: { zh: '无入井记录', en: 'no entry seen' },
  overtime: { zh: '超时', en: 'overtime' },
  signalLost: { zh: '信号丢失', en: 'no signal' },
  ok: { zh: '正常', en: 'ok' },
  systems: { zh: '系统状态', en: 'Systems' },
  system_personnel_positioning: { zh: '人员定位', en: 'Positioning' },
  system_safety_monitoring: { zh: '安全监测', en: 'Monitoring' },
  system_communication: { zh: '通信联络', en: 'Communication' },
  system_compressed_air: { zh: '压风自救', en: 'Compressed air' },
  system_water_supply: { zh: '供水施救', en: 'Water supply' },
  system_weather: { zh: '气象', en: 'Weather' },
  system_outputs: { zh: '井口输出', en: 'Outputs' },
  status_ok: { zh: '正常', en: 'OK' },
  status_degraded: { zh: '部分故障', en: 'DEGRADED' },
  status_stale: { zh: '数据超时', en: 'STALE' },
  status_down: { zh: '故障', en: 'DOWN' },
  status_unknown: { zh: '未知', en: 'UNKNOWN' },
  uplink: { zh: '上传', en: 'Uplink' },
  uplinkUp: { zh: '已连接', en: 'connected' },
  uplinkDown: { zh: '已断开', en: 'DISCONNECTED' },
  backlog: { zh: '待传', en: 'backlog' },
  rows: { zh: '条', en: 'rows' },
  oldest: { zh: '最早', en: 'oldest' },
  live: { zh: '实时', en: 'LIVE' },
  connecting: { zh: '正在连接…', en: 'Connecting…' },
  disconnected: { zh: '已断开，重连中', en: 'DISCONNECTED, retrying' },
  stale: { zh: '数据中断 — 以下为 {time} 的数据（{age}前），正在重连', en: 'DATA INTERRUPTED — showing data from {time} ({age} ago), reconnecting' },
  boardFull: { zh: '看板连接数已满，稍后自动重试', en: 'Board is full; retrying shortly' },
  evacuation: { zh: '紧急撤离', en: 'EVACUATION' },
  evacuationCount: { zh: '井下共 {n} 人', en: '{n} people underground' },
  unknownLocation: { zh: '位置未知', en: 'location unknown' },
  pinTitleAck: { zh: '确认报警', en: 'Acknowledge alarm' },
  pinTitleBanOn: { zh: '人工禁止入井', en: 'Switch on manual ban' },
  pinTitleBanOff: { zh: '解除人工禁止入井', en: 'Lift manual ban' },
  operator: { zh: '操作员', en: 'Operator' },
  pin: { zh: 'PIN 码', en: 'PIN' },
  reason: { zh: '原因', en: 'Reason' },
  confirm: { zh: '确定', en: 'Confirm' },
  cancel: { zh: '取消', en: 'Cancel' },
  sending: { zh: '正在提交…', en: 'Sending…' },
  networkError: { zh: '无法连接网关，未执行', en: 'Gateway not reachable; nothing done' },
  minutes: { zh: '分', en: 'min' },
  hours: { zh: '小时', en: 'h' },
  seconds: { zh: '秒', en: 's' },
  days: { zh: '天', en: 'd' },
};

const STORAGE_KEY = 'shaftgate.board.lang';

export function initialLang() {
  const asked = new URLSearchParams(window.location.search).get('lang');
  if (asked === 'zh' || asked === 'en') {
    localStorage.setItem(STORAGE_KEY, asked);
    return asked;
  }
  const remembered = localStorage.getItem(STORAGE_KEY);
  return remembered === 'en' ? 'en' : 'zh';
}

export function rememberLang(lang) {
  localStorage.setItem(STORAGE_KEY, lang);
}

/** The text for key in lang, with {name} placeholders filled in. */
export function t(lang, key, values = {}) {
  const entry = TEXT[key];
  const text = entry === undefined ? key : entry[lang];
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** Picks the language from a {zh, en} message the gateway sent. */
export function pick(lang, bilingual) {
  return bilingual === null || bilingual === undefined ? '' : bilingual[lang] || bilingual.zh;
}
