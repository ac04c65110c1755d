/**
 * Over quota and the suspended mine, end to end: simulator scenario → positioning substation →
 * the agent's interlocks → the simulated shaft-head outputs (permit coil, siren, LED board).
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

describe('interlocks end to end: quotas', () => {
  it('over-quota: the permit coil drops at the 60th entry; the 61st raises over_quota and entry_without_permit, sounds the siren, and the LED board shows 61/60', async () => {
    mine = await startMine({ scenario: 'over-quota', scale: 240, interlocks: (i) => (i.quotas = { mine: 60, areas: {}, levels: {} }) });
    const m = mine;
    await warmedUp(m);
    expect(m.coil('siren')).toBe(false);
    m.begin();
    // Before the quota is reached the permit stays on.
    await m.until(10 * MIN);
    expect(m.coil('entry_permit')).toBe(true);
    // 59 people over 20 minutes from minute 1 plus the leader: 60 at the latest by minute 21.
    await m.until(25 * MIN);
    expect(m.runtime.lastDecision?.headcount.total).toBe(60);
    expect(m.coil('entry_permit')).toBe(false);
    expect(m.led()[0]).toBe('井下人数 60/60');
    await waitFor('the 61st entry', () => m.runtime.lastDecision?.headcount.total === 61, 20_000);
    await waitFor('over_quota and entry_without_permit alarms', () => ['over_quota', 'entry_without_permit'].every((k) => m.activeAlarmKinds().includes(k)), 5_000);
    const violation = m.runtime.alarms.active().find((a) => a.kind === 'entry_without_permit')!;
    expect(violation.people).toHaveLength(1);
    expect(violation.people[0]!.name).toMatch(/\S/);
    await waitFor('the siren and the LED board', () => m.coil('siren') && m.led()[0] === '井下人数 61/60', 5_000);
    expect(m.coil('entry_permit')).toBe(false);
    expect(m.coil('alarm_lamp')).toBe(true);
    expect(m.broadcastActivations()).toBe(0);
  });

  it('suspended-mine: the 11th person at one work location raises suspended_location_cap (11/10); the permit stays on; the LED board shows 停工整改', async () => {
    mine = await startMine({
      scenario: 'suspended-mine',
      scale: 240,
      interlocks: (i) => (i.suspension = { active: true, orderRef: '黑应急〔2024〕停字1号', maxPerShift: 30, maxPerWorkLocation: 10 }),
    });
    const m = mine;
    await warmedUp(m);
    // warmedUp() sees row 1 of the board; row 3 of the same decision follows it on the serial line.
    await waitFor('the LED board showing 停工整改', () => m.led()[2]?.includes('停工整改'), 5_000);
    m.begin();
    await m.until(18 * MIN);
    expect(m.runtime.lastDecision?.headcount.byWorkLocation['WL-300E']).toBe(10);
    expect(m.activeAlarmKinds()).not.toContain('suspended_location_cap');
    // The 11th enters at 20 min and reaches the stope 8 minutes later.
    await waitFor('the suspended_location_cap alarm', () => m.activeAlarmKinds().includes('suspended_location_cap'), 20_000);
    const alarm = m.runtime.alarms.active().find((a) => a.kind === 'suspended_location_cap')!;
    expect(alarm.message.en).toMatch(/11/);
    expect(alarm.people).toHaveLength(11);
    await waitFor('the siren', () => m.coil('siren'), 5_000);
    expect(m.coil('entry_permit')).toBe(true);
    expect(m.led()[2]).toContain('停工整改');
    await waitFor('the LED board showing 11 underground', () => /^井下人数 11\//.test(m.led()[0] ?? ''), 5_000);
  });
});
