/**
 * Leader on shift, entry eligibility and production levels, end to end: simulator scenario →
 * positioning substation → the agent's interlocks → the simulated outputs (permit, siren, LED).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/agent-process.js';
import { startMine, warmedUp, type RunningMine } from './interlocks-harness.js';

const MIN = 60_000;
let mine: RunningMine | null = null;
afterEach(async () => {
  await mine?.stop();
  mine = null;
});

describe('interlocks end to end: people', () => {
  it('leader-leaves: when the duty leader exits, no_leader_on_shift is raised, the LED board shows 带班 无, the permit stays on', async () => {
    mine = await startMine({ scenario: 'leader-leaves', scale: 360 });
    const m = mine;
    await warmedUp(m);
    m.begin();
    await m.until(30 * MIN);
    expect(m.led()[1]).not.toBe('带班 无');
    expect(m.led()[1]).toMatch(/^带班 \S/);
    expect(m.activeAlarmKinds()).not.toContain('no_leader_on_shift');
    // The leader leaves at 1 h: level station, then the exit reader 5 minutes later.
    await waitFor('the no_leader_on_shift alarm', () => m.activeAlarmKinds().includes('no_leader_on_shift'), 20_000);
    expect(m.elapsed()).toBeGreaterThanOrEqual(60 * MIN);
    await waitFor('the LED board and the siren', () => m.led()[1] === '带班 无' && m.coil('siren'), 5_000);
    expect(m.runtime.lastDecision?.headcount.total).toBe(15);
    expect(m.coil('entry_permit')).toBe(true);
  });

  it('ineligible-entry: expired training, no training and a labour-dispatch worker each raise a violation naming them; the siren sounds; the permit stays on', async () => {
    mine = await startMine({ scenario: 'ineligible-entry', scale: 240 });
    const m = mine;
    await warmedUp(m);
    m.begin();
    await m.until(8 * MIN);
    expect(m.activeAlarmKinds().filter((k) => k.endsWith('_entry'))).toEqual([]);
    await waitFor('two untrained_entry and one labour_dispatch_entry alarms', () => {
      const kinds = m.runtime.alarms.active().map((a) => a.kind);
      return kinds.filter((k) => k === 'untrained_entry').length === 2 && kinds.includes('labour_dispatch_entry');
    }, 20_000);
    const violations = m.runtime.alarms.active().filter((a) => a.kind === 'untrained_entry' || a.kind === 'labour_dispatch_entry');
    for (const alarm of violations) {
      expect(alarm.people).toHaveLength(1);
      expect(alarm.people[0]!.name, alarm.key).toMatch(/\S/);
      expect(alarm.message.zh).toContain(alarm.people[0]!.name!);
    }
    // The roster's labour-dispatch cards (simulators/README.md).
    const dispatch = violations.find((a) => a.kind === 'labour_dispatch_entry')!;
    expect(['100036', '100122', '100263', '100389', '100471']).toContain(dispatch.people[0]!.card);
    await waitFor('the siren', () => m.coil('siren'), 5_000);
    expect(m.coil('entry_permit')).toBe(true);
  });

  it('four-levels: people at work on a fourth production level raise production_levels; the permit stays on', async () => {
    mine = await startMine({ scenario: 'four-levels', scale: 360 });
    const m = mine;
    await warmedUp(m);
    m.begin();
    await m.until(25 * MIN);
    expect(Object.keys(m.runtime.lastDecision!.headcount.byLevel).sort()).toEqual(['L-250', 'L-300', 'L-350']);
    expect(m.activeAlarmKinds()).not.toContain('production_levels');
    await waitFor('the production_levels alarm', () => m.activeAlarmKinds().includes('production_levels'), 20_000);
    expect(m.elapsed()).toBeGreaterThanOrEqual(30 * MIN);
    expect(Object.keys(m.runtime.lastDecision!.headcount.byLevel).sort()).toEqual(['L-250', 'L-300', 'L-350', 'L-400']);
    await waitFor('the siren or lamp', () => m.coil('alarm_lamp'), 5_000);
    expect(m.coil('entry_permit')).toBe(true);
    expect(m.broadcastActivations()).toBe(0);
  });
});
