/**
 * What the shaft-head board (井口看板) reads and what it may do. The board is built against this
 * interface only, so it runs before the interlocks engine exists (fake-board-model.ts) and the
 * engine plugs in later without the board changing.
 *
 * Safety principle 1 shapes the types: every figure that can be unknown is `number | null`, and
 * the board prints null as "未知 / unknown", never as 0. Times are wall-clock epoch ms (display only).
 */

/** Text the board shows in both languages; the model decides the words, the page picks one. */
export interface BilingualText {
  zh: string;
  en: string;
}

/** A count against its limit. `now: null` = not known (stale positioning); `quota: null` = no quota set. */
export interface HeadcountFigure {
  now: number | null;
  quota: number | null;
}

/** A place (area, level) or a shift with its own count and quota. */
export interface ScopedHeadcount extends HeadcountFigure {
  id: string;
  /** As configured (usually Chinese, e.g. "一采区", "-350m 中段"). */
  name: string;
}

export interface ShiftHeadcount extends ScopedHeadcount {
  /** The shift on duty now (the board highlights it). */
  current: boolean;
}

export interface BoardHeadcount {
  mine: HeadcountFigure;
  areas: ScopedHeadcount[];
  levels: ScopedHeadcount[];
  shifts: ShiftHeadcount[];
}

export type PersonRole = 'leader' | 'worker' | 'special_operator';

export interface PersonLocation {
  zone: string | null;
  workLocation: string | null;
  area: string | null;
  level: string | null;
}

export interface BoardPerson {
  card: string;
  /** null: the card is not on the roster (still counted, shown as "未登记 / not on roster"). */
  name: string | null;
  crew: string | null;
  role: PersonRole | null;
  shift: string | null;
  /** null: seen underground without an entry at the shaft head. */
  enteredAt: number | null;
  location: PersonLocation;
  overtime: boolean;
  /** No positioning signal for longer than the set time; the person is still counted. */
  signalLost: boolean;
}

export interface DutyLeader {
  name: string;
  card: string | null;
  underground: boolean;
}

export interface ShiftDuty {
  shiftId: string;
  shiftName: string;
  current: boolean;
  /** Empty: no leader rostered for the shift (the board says so). */
  leaders: DutyLeader[];
}

export interface PermitState {
  /** The entry permit output as computed; unknown inputs make it false (never "permitted"). */
  permitted: boolean;
  /** Why not permitted; empty when permitted. */
  reasons: BilingualText[];
  since: number | null;
}

export type BanSourceKind = 'local_weather' | 'upstream_alert' | 'manual';

export interface BanSource {
  kind: BanSourceKind;
  detail: BilingualText;
  since: number;
  /** For a manual ban: who switched it on. */
  by: string | null;
}

export interface BanState {
  active: boolean;
  sources: BanSource[];
  since: number | null;
}

export interface SuspensionState {
  active: boolean;
  orderRef: string | null;
  maxPerShift: number | null;
  maxPerWorkLocation: number | null;
  since: number | null;
}

export type AlarmSeverity = 'critical' | 'high' | 'medium' | 'low';
/** ISA-18.2 states the board shows; "normal" alarms are not on the board. */
export type BoardAlarmState = 'active_unacked' | 'active_acked' | 'cleared_unacked';

export interface BoardAlarmPerson {
  card: string;
  name: string | null;
  location: string | null;
}

export interface BoardAlarm {
  /** Stable key of the condition; acknowledgements name it. */
  key: string;
  severity: AlarmSeverity;
  state: BoardAlarmState;
  message: BilingualText;
  since: number;
  people: BoardAlarmPerson[];
  acknowledgedBy: string | null;
}

export const FIVE_SYSTEMS = ['personnel_positioning', 'safety_monitoring', 'communication', 'compressed_air', 'water_supply'] as const;
export const AUXILIARY_SYSTEMS = ['weather', 'outputs'] as const;
export type BoardSystemId = (typeof FIVE_SYSTEMS)[number] | (typeof AUXILIARY_SYSTEMS)[number];

/** unknown: not polled yet or not configured; stale: answered before but not within its deadline. */
export type SystemStatus = 'ok' | 'degraded' | 'stale' | 'down' | 'unknown';

export interface SystemHealth {
  id: BoardSystemId;
  status: SystemStatus;
  lastGoodAt: number | null;
  staleAfterMs: number | null;
  detail: BilingualText | null;
}

export interface UplinkState {
  /** null: the forwarder has not reported yet. */
  connected: boolean | null;
  backlogRows: number | null;
  /** Time of the oldest unsent row; the page shows its age against `at`. */
  oldestBacklogAt: number | null;
}

export interface Evacuee {
  card: string;
  name: string | null;
  crew: string | null;
  /** Where the person was last seen, as one readable string; null if not known. */
  location: string | null;
  lastSeenAt: number | null;
}

export interface EvacuationState {
  active: boolean;
  since: number | null;
  reason: BilingualText | null;
  /** Everyone underground (not only the registered ones), by last known location. */
  people: Evacuee[];
}

export interface BoardSnapshot {
  /** When the model built this snapshot. */
  at: number;
  mineName: string;
  gatewayName: string;
  headcount: BoardHeadcount;
  people: BoardPerson[];
  duty: ShiftDuty[];
  permit: PermitState;
  ban: BanState;
  suspension: SuspensionState;
  alarms: BoardAlarm[];
  /** The five systems, always all five (unknown when not configured), then weather and outputs. */
  systems: SystemHealth[];
  uplink: UplinkState;
  evacuation: EvacuationState;
}

export type ActionRefusal = 'unknown_alarm' | 'already_acknowledged' | 'no_change' | 'not_allowed';

export type ActionResult = { ok: true; detail: BilingualText } | { ok: false; reason: ActionRefusal; detail: BilingualText };

/**
 * What an operator may do from the board, after the PIN check. Synchronous and non-throwing for
 * expected refusals (like the platform's AlarmAcknowledger), so the HTTP layer can audit the outcome.
 */
export interface BoardActions {
  acknowledgeAlarm(key: string, operator: string): ActionResult;
  setManualBan(on: boolean, operator: string, reason: string): ActionResult;
}

export interface BoardModel extends BoardActions {
  snapshot(): BoardSnapshot;
  /** Called after anything on the board may have changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

export type BoardActionName = 'acknowledge_alarm' | 'set_manual_ban';
/**
 * applied / refused: PIN right, the model did or did not apply it; wrong_pin: PIN or operator wrong;
 * rate_limited: too many wrong PINs from this client, not even checked.
 */
export type BoardAuditResult = 'applied' | 'refused' | 'wrong_pin' | 'rate_limited';

export interface BoardAuditEntry {
  at: number;
  /** The operator name as typed (a wrong one is recorded as typed, for the investigation). */
  operator: string;
  action: BoardActionName;
  /** What was asked: alarm key, ban on/off and reason. */
  params: Record<string, unknown>;
  result: BoardAuditResult;
  reason: string | null;
  /** The client's address, for tracing a guessing attempt. */
  client: string;
}

/** Where board actions are recorded; the agent writes them into the store's audit table. */
export interface AuditSink {
  record(entry: BoardAuditEntry): void;
}
