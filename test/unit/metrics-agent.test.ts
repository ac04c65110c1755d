import { describe, expect, it } from 'vitest';
import { DurationHistogram } from '../../agent/http/duration-histogram.js';
import { renderAgentMetrics, type AgentMetricsSnapshot, type MetricsSource } from '../../agent/http/metrics.js';
import type { DriverStats } from '../../drivers/driver.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-parser.js';

function driverStats(deviceId: string, overrides: Partial<DriverStats> = {}): DriverStats {
  return {
    deviceId,
    endpoint: 'modbus-tcp://127.0.0.1:502 unit 1',
    connected: true,
    requests: 100,
    responses: 97,
    errors: { timeout: 2, exception: 1, framing: 0, connection: 0, exceptionsByCode: { '2': 1 } },
    blocksSplit: 0,
    writes: { requests: 0, confirmed: 0, failed: 0, readBackMismatches: 0 },
    discardedResponses: 0,
    reconnects: 1,
    lastSuccessAt: 1,
    lastError: null,
    roundTripMs: { p50: 4, p90: 8, p99: 20, max: 30 },
    ...overrides,
  };
}

function snapshot(overrides: Partial<AgentMetricsSnapshot> = {}): AgentMetricsSnapshot {
  const durations = new DurationHistogram('device');
  durations.observe('sm-1', 0.012);
  durations.observe('pp-1', 0.5);
  return {
    live: true,
    ready: false,
    uptimeMs: 61_500,
    version: '0.1.0',
    devices: [driverStats('sm-1'), driverStats('pp-1', { connected: false, roundTripMs: { p50: null, p90: null, p99: null, max: null }, responses: 0 })],
    deviceSystems: new Map([
      ['sm-1', 'safety_monitoring'],
      ['pp-1', 'personnel_positioning'],
    ]),
    staleDeviceIds: new Set(['pp-1']),
    schedule: [
      { deviceId: 'sm-1', pollIntervalMs: 1000, cycles: 60, missedSlots: 0, lastCycleStartedAt: 1, lastCycleDurationMs: 12, polling: false },
      { deviceId: 'pp-1', pollIntervalMs: 1000, cycles: 55, missedSlots: 3, lastCycleStartedAt: 1, lastCycleDurationMs: 500, polling: true },
    ],
    pollCycleDurations: durations,
    store: { queued: 2, written: 113, dropped: 5, rejected: 0, failedWrites: 1, lastError: null },
    storeDisk: { usedBytes: 4096, budgetBytes: 1_000_000 },
    uplink: {
      connected: true, published: 120, acked: 118, resent: 1, inflight: 2, reconnects: 3, lastError: null,
      backlogRows: 42, backlogAgeMs: 2500, drainingBacklog: false, commandsReceived: 4,
    },
    commands: { accepted: 3, rejected: 2, failed: 0, rejectedByReason: { bad_signature: 1, expired: 1 } },
    ...overrides,
  };
}

describe('agent metrics', () => {
  it('parse as Prometheus text with the documented names, types and values', () => {
    const families = parsePrometheusText(renderAgentMetrics(snapshot()));
    const type = (name: string) => families.get(name)?.type;
    for (const family of families.values()) {
      expect(family.name.startsWith('shaftgate_')).toBe(true);
      // Counters end in _total; nothing else does.
      expect(family.type === 'counter', family.name).toBe(family.name.endsWith('_total'));
    }
    expect(sampleValue(families, 'shaftgate_ready')).toBe(0);
    expect(sampleValue(families, 'shaftgate_live')).toBe(1);
    expect(sampleValue(families, 'shaftgate_uptime_seconds')).toBe(61.5);
    expect(sampleValue(families, 'shaftgate_build_info', { version: '0.1.0' })).toBe(1);

    expect(type('shaftgate_device_errors_total')).toBe('counter');
    expect(sampleValue(families, 'shaftgate_device_errors_total', { device: 'sm-1', kind: 'timeout' })).toBe(2);
    expect(sampleValue(families, 'shaftgate_device_errors_total', { device: 'sm-1', kind: 'framing' })).toBe(0);
    expect(sampleValue(families, 'shaftgate_device_exceptions_total', { device: 'sm-1', code: '2' })).toBe(1);
    expect(sampleValue(families, 'shaftgate_device_requests_total', { device: 'pp-1' })).toBe(100);
    expect(sampleValue(families, 'shaftgate_device_connected', { device: 'pp-1' })).toBe(0);
    expect(sampleValue(families, 'shaftgate_device_stale', { device: 'pp-1', system: 'personnel_positioning' })).toBe(1);
    expect(sampleValue(families, 'shaftgate_device_stale', { device: 'sm-1' })).toBe(0);

    expect(type('shaftgate_device_round_trip_seconds')).toBe('summary');
    expect(sampleValue(families, 'shaftgate_device_round_trip_seconds', { device: 'sm-1', quantile: '0.99' })).toBe(0.02);
    expect(sampleValue(families, 'shaftgate_device_round_trip_seconds', { device: 'pp-1', quantile: '0.5' })).toBeNaN();
    expect(sampleValue(families, 'shaftgate_device_round_trip_seconds', { device: 'sm-1' }, 'shaftgate_device_round_trip_seconds_count')).toBe(97);

    expect(type('shaftgate_poll_cycle_duration_seconds')).toBe('histogram');
    expect(sampleValue(families, 'shaftgate_poll_cycle_duration_seconds', { device: 'pp-1', le: '0.5' }, 'shaftgate_poll_cycle_duration_seconds_bucket')).toBe(1);
    expect(sampleValue(families, 'shaftgate_poll_cycle_duration_seconds', { device: 'pp-1', le: '0.25' }, 'shaftgate_poll_cycle_duration_seconds_bucket')).toBe(0);
    expect(sampleValue(families, 'shaftgate_poll_cycles_total', { device: 'sm-1' })).toBe(60);
    expect(sampleValue(families, 'shaftgate_poll_missed_slots_total', { device: 'pp-1' })).toBe(3);

    expect(sampleValue(families, 'shaftgate_store_queue_cycles')).toBe(2);
    expect(sampleValue(families, 'shaftgate_store_dropped_cycles_total')).toBe(5);
    expect(sampleValue(families, 'shaftgate_store_disk_budget_bytes')).toBe(1_000_000);
    expect(sampleValue(families, 'shaftgate_backlog_rows')).toBe(42);
    expect(sampleValue(families, 'shaftgate_backlog_age_seconds')).toBe(2.5);
    expect(sampleValue(families, 'shaftgate_uplink_connected')).toBe(1);
    expect(sampleValue(families, 'shaftgate_uplink_reconnects_total')).toBe(3);
    expect(sampleValue(families, 'shaftgate_commands_total', { outcome: 'accepted' })).toBe(3);
    expect(sampleValue(families, 'shaftgate_commands_total', { outcome: 'rejected' })).toBe(2);
    expect(sampleValue(families, 'shaftgate_commands_rejected_total', { reason: 'bad_signature' })).toBe(1);
  });

  it('leaves alarm and headcount families empty until the interlocks provide them, then shows their figures', () => {
    const without = parsePrometheusText(renderAgentMetrics(snapshot()));
    expect(without.get('shaftgate_alarms_active')!.samples).toEqual([]);
    expect(without.get('shaftgate_headcount_people')!.type).toBe('gauge');

    const interlocks: MetricsSource = {
      activeAlarms: () => [{ severity: 'critical', active: 2, unacknowledged: 1 }],
      headcount: () => [
        { scope: 'mine', id: 'hlj-demo-mine', people: 57, quota: 60 },
        { scope: 'area', id: '一采区', people: 12, quota: null },
      ],
    };
    const families = parsePrometheusText(renderAgentMetrics(snapshot({ interlocks })));
    expect(sampleValue(families, 'shaftgate_alarms_active', { severity: 'critical' })).toBe(2);
    expect(sampleValue(families, 'shaftgate_alarms_unacknowledged', { severity: 'critical' })).toBe(1);
    expect(sampleValue(families, 'shaftgate_headcount_people', { scope: 'area', id: '一采区' })).toBe(12);
    expect(sampleValue(families, 'shaftgate_headcount_quota', { scope: 'mine' })).toBe(60);
    expect(families.get('shaftgate_headcount_quota')!.samples).toHaveLength(1); // no quota, no sample
  });

  it('before the store and the uplink are open, their families are present but empty', () => {
    const families = parsePrometheusText(renderAgentMetrics(snapshot({ store: null, storeDisk: null, uplink: null, commands: null })));
    expect(families.get('shaftgate_backlog_rows')!.samples).toEqual([]);
    expect(families.get('shaftgate_store_queue_cycles')!.samples).toEqual([]);
    expect(families.get('shaftgate_commands_total')!.samples).toEqual([]);
  });
});
