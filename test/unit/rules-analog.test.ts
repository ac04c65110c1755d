import { describe, expect, it } from 'vitest';
import { resolveThreshold } from '../../agent/rules/analog-presets.js';
import { at, keys, testConfig, TestMine } from './rules-fixture.js';

const set = (mine: TestMine, point: string, value: number | null, quality: 'good' | 'sensor_fault' = 'good') =>
  mine.points.set(`sm-1/${point}`, { value, quality, lastGoodAt: 0 });

describe('analog thresholds', () => {
  it('defaults follow PRODUCT.md: CO ≥ 24, O2 < 20, CO2 > 0.5, CH4 ≥ 1.0, air outlet 0.1–0.3 MPa', () => {
    const t = (preset: 'ch4' | 'co' | 'o2' | 'co2' | 'air_outlet_low' | 'air_outlet_high') => resolveThreshold({ device: 'd', point: 'p', preset });
    expect(t('co')).toMatchObject({ compare: 'ge', alarmAt: 24 });
    expect(t('o2')).toMatchObject({ compare: 'lt', alarmAt: 20 });
    expect(t('co2')).toMatchObject({ compare: 'gt', alarmAt: 0.5 });
    expect(t('ch4')).toMatchObject({ compare: 'ge', alarmAt: 1.0 });
    expect(t('air_outlet_low')).toMatchObject({ compare: 'lt', alarmAt: 0.1 });
    expect(t('air_outlet_high')).toMatchObject({ compare: 'gt', alarmAt: 0.3 });
  });

  it('hysteresis: CH4 alarms at 1.0, stays above 0.9, clears once back at 0.9', () => {
    const mine = new TestMine(testConfig({ analog: [{ device: 'sm-1', point: 'ch4', preset: 'ch4' }] }));
    set(mine, 'ch4', 0.99);
    expect(keys(mine.decide(at('08:00')))).not.toContain('analog:sm-1/ch4');
    set(mine, 'ch4', 1.0);
    expect(mine.decide(at('08:00')).findings.find((f) => f.key === 'analog:sm-1/ch4')).toMatchObject({ kind: 'ch4_high', severity: 'critical' });
    set(mine, 'ch4', 0.95);
    expect(keys(mine.decide(at('08:01')))).toContain('analog:sm-1/ch4');
    set(mine, 'ch4', 0.91);
    expect(keys(mine.decide(at('08:02')))).toContain('analog:sm-1/ch4');
    set(mine, 'ch4', 0.9);
    expect(keys(mine.decide(at('08:03')))).not.toContain('analog:sm-1/ch4');
  });

  it('hysteresis on a low alarm: O2 alarms below 20, clears at 20.2 or above', () => {
    const mine = new TestMine(testConfig({ analog: [{ device: 'sm-1', point: 'o2', preset: 'o2' }] }));
    set(mine, 'o2', 20);
    expect(keys(mine.decide(at('08:00')))).not.toContain('analog:sm-1/o2');
    set(mine, 'o2', 19.9);
    expect(keys(mine.decide(at('08:01')))).toContain('analog:sm-1/o2');
    set(mine, 'o2', 20.1);
    expect(keys(mine.decide(at('08:02')))).toContain('analog:sm-1/o2');
    set(mine, 'o2', 20.2);
    expect(keys(mine.decide(at('08:03')))).not.toContain('analog:sm-1/o2');
  });

  it('on-delay: the condition must hold for the delay; a dip restarts it', () => {
    const mine = new TestMine(testConfig({ analog: [{ device: 'sm-1', point: 'co', preset: 'co', onDelayMs: 10_000 }] }));
    const t0 = at('08:00');
    set(mine, 'co', 30);
    expect(keys(mine.decide(t0))).not.toContain('analog:sm-1/co');
    expect(keys(mine.decide(t0 + 9_999))).not.toContain('analog:sm-1/co');
    set(mine, 'co', 10);
    mine.decide(t0 + 10_000);
    set(mine, 'co', 30);
    expect(keys(mine.decide(t0 + 11_000))).not.toContain('analog:sm-1/co');
    expect(keys(mine.decide(t0 + 21_000))).toContain('analog:sm-1/co');
    expect(mine.alarms.get('analog:sm-1/co')?.raisedAt).toBe(t0 + 21_000);
  });

  it('no good value is a sensor fault, never "normal"', () => {
    const mine = new TestMine(testConfig({ analog: [{ device: 'sm-1', point: 'co', preset: 'co' }, { device: 'sm-1', point: 'ch4', preset: 'ch4' }] }));
    set(mine, 'co', null, 'sensor_fault');
    const decision = mine.decide(at('08:00'));
    expect(decision.findings.filter((f) => f.kind === 'sensor_fault').map((f) => f.key)).toEqual(['sensor:sm-1/co', 'sensor:sm-1/ch4']);
  });

  it('overrides: alarmAt without restoreAt means no hysteresis; water pressure needs the design minimum', () => {
    expect(resolveThreshold({ device: 'd', point: 'p', preset: 'co', alarmAt: 30 })).toMatchObject({ alarmAt: 30, restoreAt: 30 });
    expect(resolveThreshold({ device: 'd', point: 'p', preset: 'water_pressure_low', alarmAt: 0.3 })).toMatchObject({ compare: 'lt', alarmAt: 0.3, kind: 'water_pressure_low' });
    expect(() => testConfig({ analog: [{ device: 'w', point: 'p', preset: 'water_pressure_low' }] })).toThrow(/design minimum/);
  });
});
