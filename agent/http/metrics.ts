/**
 * The agent's Prometheus metrics: what `/metrics` serves. Built from the stats the parts already
 * keep (drivers, scheduler, store writer, forwarder, commands), read at scrape time, so metrics
 * cost nothing between scrapes. Interlock figures (active alarms, headcount) come through
 * `MetricsSource`, which the interlock wiring fills in; until then those families are empty.
 */
import type { DriverStats } from '../../drivers/driver.js';
import type { CommandServiceStats } from '../commands/command-service.js';
import type { DeviceScheduleStats } from '../scheduler/poll-scheduler.js';
import type { StoreWriterStats } from '../store/store-writer.js';
import type { ForwarderStats } from '../upstream/forwarder.js';
import type { DurationHistogram } from './duration-histogram.js';
import { renderPrometheusText, type MetricFamily, type MetricSample } from './prometheus-text.js';

export interface AlarmCount {
  severity: string;
  /** Alarms raised and not yet cleared. */
  active: number;
  /** Of those, not yet acknowledged at the shaft head. */
  unacknowledged: number;
}

export interface HeadcountFigure {
  /** mine, shift, area, level, … */
  scope: string;
  /** The area/level/shift id; the mine id for scope "mine". */
  id: string;
  people: number;
  /** Configured or platform-set quota (定员); null when none applies. */
  quota: number | null;
}

/** Figures owned by the interlock side of the agent. */
export interface MetricsSource {
  activeAlarms(): readonly AlarmCount[];
  headcount(): readonly HeadcountFigure[];
}

export interface AgentMetricsSnapshot {
  live: boolean;
  ready: boolean;
  uptimeMs: number;
  version: string;
  devices: readonly DriverStats[];
  /** deviceId → system (personnel_positioning, …), for the staleness gauge. */
  deviceSystems: ReadonlyMap<string, string>;
  staleDeviceIds: ReadonlySet<string>;
  schedule: readonly DeviceScheduleStats[];
  pollCycleDurations: DurationHistogram;
  store: StoreWriterStats | null;
  storeDisk: { usedBytes: number; budgetBytes: number } | null;
  uplink: ForwarderStats | null;
  commands: CommandServiceStats | null;
  interlocks?: MetricsSource;
}

const PREFIX = 'shaftgate_';

function family(name: string, type: MetricFamily['type'], help: string, samples: MetricSample[]): MetricFamily {
  return { name: `${PREFIX}${name}`, type, help, samples };
}

function single(value: number): MetricSample[] {
  return [{ value }];
}

function bool(value: boolean): number {
  return value ? 1 : 0;
}

function ms(value: number | null): number {
  return value === null ? Number.NaN : value / 1000;
}

function deviceFamilies(snapshot: AgentMetricsSnapshot): MetricFamily[] {
  const perDevice = (pick: (d: DriverStats) => number): MetricSample[] => snapshot.devices.map((d) => ({ labels: { device: d.deviceId }, value: pick(d) }));
  const errorKinds = ['timeout', 'exception', 'framing', 'connection'] as const;
  const roundTrip: MetricSample[] = [];
  for (const d of snapshot.devices) {
    const { p50, p90, p99 } = d.roundTripMs;
    for (const [quantile, value] of [['0.5', p50], ['0.9', p90], ['0.99', p99]] as const) {
      roundTrip.push({ labels: { device: d.deviceId, quantile }, value: ms(value) });
    }
    roundTrip.push({ suffix: '_count', labels: { device: d.deviceId }, value: d.responses });
  }
  return [
    family('device_requests_total', 'counter', 'Modbus requests sent, per device.', perDevice((d) => d.requests)),
    family('device_responses_total', 'counter', 'Valid responses received, per device.', perDevice((d) => d.responses)),
    family(
      'device_errors_total',
      'counter',
      'Failed requests per device by kind: timeout (no answer), exception (the device refused), framing (CRC or malformed frame), connection (could not connect or the link dropped).',
      snapshot.devices.flatMap((d) => errorKinds.map((kind) => ({ labels: { device: d.deviceId, kind }, value: d.errors[kind] }))),
    ),
    family(
      'device_exceptions_total',
      'counter',
      'Modbus exception responses per device by exception code (2 illegal data address, 4 device failure, ...).',
      snapshot.devices.flatMap((d) => Object.entries(d.errors.exceptionsByCode).map(([code, value]) => ({ labels: { device: d.deviceId, code }, value }))),
    ),
    family('device_reconnects_total', 'counter', 'Reconnections to the device (TCP) or reopenings of its port (serial).', perDevice((d) => d.reconnects)),
    family('device_discarded_responses_total', 'counter', 'Late answers that matched no waiting request and were discarded.', perDevice((d) => d.discardedResponses)),
    family('device_connected', 'gauge', '1 while the connection to the device is open.', perDevice((d) => bool(d.connected))),
    family(
      'device_stale',
      'gauge',
      '1 while the device has not answered within its staleness deadline (its values are shown as unknown).',
      snapshot.devices.map((d) => ({ labels: { device: d.deviceId, system: snapshot.deviceSystems.get(d.deviceId) ?? 'unknown' }, value: bool(snapshot.staleDeviceIds.has(d.deviceId)) })),
    ),
    family(
      'device_round_trip_seconds',
      'summary',
      'Request-to-answer time of recent requests per device (quantiles over the driver\'s recent window; NaN before the first answer). _count is the number of answers.',
      roundTrip,
    ),
  ];
}

function scheduleFamilies(snapshot: AgentMetricsSnapshot): MetricFamily[] {
  const perDevice = (pick: (s: DeviceScheduleStats) => number): MetricSample[] => snapshot.schedule.map((s) => ({ labels: { device: s.deviceId }, value: pick(s) }));
  return [
    family('poll_cycles_total', 'counter', 'Poll cycles completed, per device.', perDevice((s) => s.cycles)),
    family('poll_missed_slots_total', 'counter', 'Poll slots skipped because the previous cycle of the device was still running (the device is slower than its pollIntervalMs).', perDevice((s) => s.missedSlots)),
    family('poll_interval_seconds', 'gauge', 'Configured poll interval per device.', perDevice((s) => s.pollIntervalMs / 1000)),
    family('poll_cycle_duration_seconds', 'histogram', 'Time from the start of a poll cycle to its last answer (or timeout), per device.', snapshot.pollCycleDurations.samples()),
  ];
}

function storeFamilies(snapshot: AgentMetricsSnapshot): MetricFamily[] {
  const store = snapshot.store;
  const disk = snapshot.storeDisk;
  const fromStore = (pick: (s: StoreWriterStats) => number): MetricSample[] => (store ? single(pick(store)) : []);
  return [
    family('store_queue_cycles', 'gauge', 'Poll cycles waiting in memory for the store (bounded by store.maxPendingCycles).', fromStore((s) => s.queued)),
    family('store_written_cycles_total', 'counter', 'Poll cycles committed to the store.', fromStore((s) => s.written)),
    family('store_dropped_cycles_total', 'counter', 'Poll cycles dropped, oldest first, because the store could not keep up (queue full).', fromStore((s) => s.dropped)),
    family('store_rejected_cycles_total', 'counter', 'Poll cycles the store refused as bad data (a bug; see the log).', fromStore((s) => s.rejected)),
    family('store_failed_writes_total', 'counter', 'Store write attempts that failed (disk full, I/O error, locked).', fromStore((s) => s.failedWrites)),
    family('store_disk_used_bytes', 'gauge', 'Bytes the store uses on disk.', disk ? single(disk.usedBytes) : []),
    family('store_disk_budget_bytes', 'gauge', 'The configured disk budget of the store.', disk ? single(disk.budgetBytes) : []),
  ];
}

function uplinkFamilies(snapshot: AgentMetricsSnapshot): MetricFamily[] {
  const uplink = snapshot.uplink;
  const fromUplink = (pick: (u: ForwarderStats) => number): MetricSample[] => (uplink ? single(pick(uplink)) : []);
  return [
    family('uplink_connected', 'gauge', '1 while connected to the MQTT broker.', fromUplink((u) => bool(u.connected))),
    family('uplink_reconnects_total', 'counter', 'Successful connections to the broker after the first.', fromUplink((u) => u.reconnects)),
    family('uplink_published_total', 'counter', 'Messages published, re-sends included.', fromUplink((u) => u.published)),
    family('uplink_acked_total', 'counter', 'Messages the broker acknowledged.', fromUplink((u) => u.acked)),
    family('uplink_resent_total', 'counter', 'Messages published again after a connection loss (same id; the platform deduplicates).', fromUplink((u) => u.resent)),
    family('uplink_inflight_messages', 'gauge', 'Messages published and not yet acknowledged.', fromUplink((u) => u.inflight)),
    family('backlog_rows', 'gauge', 'Rows waiting in the outbox for the broker (in flight included).', fromUplink((u) => u.backlogRows)),
    family('backlog_age_seconds', 'gauge', 'Age of the oldest row waiting in the outbox; 0 when it is empty.', fromUplink((u) => (u.backlogAgeMs ?? 0) / 1000)),
  ];
}

function commandFamilies(snapshot: AgentMetricsSnapshot): MetricFamily[] {
  const commands = snapshot.commands;
  return [
    family(
      'commands_total',
      'counter',
      'Platform commands by outcome: accepted, rejected (bad signature, expired, replayed, invalid; answered with the reason) or failed (could not be stored).',
      commands ? (['accepted', 'rejected', 'failed'] as const).map((outcome) => ({ labels: { outcome }, value: commands[outcome] })) : [],
    ),
    family(
      'commands_rejected_total',
      'counter',
      'Rejected platform commands by reason.',
      commands ? Object.entries(commands.rejectedByReason).map(([reason, value]) => ({ labels: { reason }, value: value ?? 0 })) : [],
    ),
  ];
}

function interlockFamilies(source: MetricsSource | undefined): MetricFamily[] {
  const alarms = source?.activeAlarms() ?? [];
  const headcount = source?.headcount() ?? [];
  return [
    family('alarms_active', 'gauge', 'Alarms raised and not cleared, by severity.', alarms.map((a) => ({ labels: { severity: a.severity }, value: a.active }))),
    family('alarms_unacknowledged', 'gauge', 'Active alarms not yet acknowledged at the shaft head, by severity.', alarms.map((a) => ({ labels: { severity: a.severity }, value: a.unacknowledged }))),
    family('headcount_people', 'gauge', 'People underground now, per scope (mine, shift, area, level).', headcount.map((h) => ({ labels: { scope: h.scope, id: h.id }, value: h.people }))),
    family(
      'headcount_quota',
      'gauge',
      'The quota (定员) that applies per scope; absent where none is configured.',
      headcount.filter((h) => h.quota !== null).map((h) => ({ labels: { scope: h.scope, id: h.id }, value: h.quota! })),
    ),
  ];
}

export function agentMetricFamilies(snapshot: AgentMetricsSnapshot): MetricFamily[] {
  return [
    family('build_info', 'gauge', 'Always 1; the version label says which shaftgate runs.', [{ labels: { version: snapshot.version }, value: 1 }]),
    family('live', 'gauge', '1 while the poll loop makes progress (see /health for the reasons when 0).', single(bool(snapshot.live))),
    family('ready', 'gauge', '1 while every device answers within its deadline and the store writes (see /health for the reasons when 0).', single(bool(snapshot.ready))),
    family('uptime_seconds', 'gauge', 'Time since the agent started.', single(snapshot.uptimeMs / 1000)),
    ...deviceFamilies(snapshot),
    ...scheduleFamilies(snapshot),
    ...storeFamilies(snapshot),
    ...uplinkFamilies(snapshot),
    ...commandFamilies(snapshot),
    ...interlockFamilies(snapshot.interlocks),
  ];
}

export function renderAgentMetrics(snapshot: AgentMetricsSnapshot): string {
  return renderPrometheusText(agentMetricFamilies(snapshot));
}
