/**
 * The extreme-weather entry ban, end to end: rain on the simulated weather station (Modbus RTU on a
 * pty) → the agent's interlocks → permit coil off, ban lamp on, LED board "禁止入井", and a
 * violation alarm naming each person who enters during the ban.
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

describe('interlocks end to end: weather', () => {
  it('storm: 24-hour rainfall ≥ 50 mm bans entry (permit off, ban lamp on, 禁止入井); each of the two entering during the ban raises entry_during_ban', async () => {
    mine = await startMine({ scenario: 'storm', scale: 600 });
    const m = mine;
    await warmedUp(m);
    m.begin();
    await m.until(90 * MIN);
    expect(m.coil('entry_permit')).toBe(true);
    expect(m.coil('ban_lamp')).toBe(false);
    // 30 mm/h from minute 10: 50 mm at about 1 h 50 min.
    await waitFor('the weather ban', () => m.activeAlarmKinds().includes('weather_ban'), 20_000);
    expect(m.elapsed()).toBeGreaterThanOrEqual(105 * MIN);
    await waitFor('permit off, ban lamp on, LED 禁止入井', () => !m.coil('entry_permit') && m.coil('ban_lamp') && m.led()[2] === '禁止入井', 5_000);
    await waitFor('two entry_during_ban alarms', () => m.runtime.alarms.active().filter((a) => a.kind === 'entry_during_ban').length === 2, 20_000);
    for (const alarm of m.runtime.alarms.active().filter((a) => a.kind === 'entry_during_ban')) {
      expect(alarm.people[0]!.name).toMatch(/\S/);
      expect(alarm.latched).toBe(true);
    }
    // Outputs are written after the decision (coil over Modbus, LED over a serial line): wait for them.
    await waitFor('the siren on', () => m.coil('siren'), 5_000);
    await waitFor('the LED board showing 22 underground', () => /^井下人数 22\//.test(m.led()[0] ?? ''), 5_000);
    expect(m.broadcastActivations()).toBe(0);
  });
});
