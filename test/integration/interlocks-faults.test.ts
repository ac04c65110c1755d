/**
 * Faults end to end: a failing gas sensor, methane over the limit (emergency broadcast), devices
 * going offline, the positioning substation stopping, and the headcount surviving an agent restart.
 * Observed on the simulated outputs: permit coil, siren, comm-1 broadcast activations, LED board.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/agent-process.js';
import { POLL_MS, startMine, warmedUp, type RunningMine } from './interlocks-harness.js';

const MIN = 60_000;
/** The harness config: positioning is stale after 10 silent polls. */
const POSITIONING_DEADLINE_MS = 10 * POLL_MS;
let mine: RunningMine | null = null;
afterEach(async () => {
  await mine?.stop();
  mine = null;
});

describe('interlocks end to end: faults', () => {
  it('gas-sensor-failure: a broken methane loop raises sensor_fault (never "methane normal"); the permit stays on', async () => {
    mine = await startMine({ scenario: 'gas-sensor-failure', scale: 240 });
    const m = mine;
    await warmedUp(m);
    m.begin();
    await m.until(8 * MIN);
    expect(m.activeAlarmKinds()).not.toContain('sensor_fault');
    await waitFor('the sensor_fault alarm', () => m.runtime.alarms.active().some((a) => a.kind === 'sensor_fault' && a.key === 'sensor:sm-1/ch4'), 20_000);
    expect(m.elapsed()).toBeGreaterThanOrEqual(10 * MIN);
    const ch4 = (m.agent.state() as { points: Array<{ deviceId: string; pointId: string; value: unknown; quality: string }> }).points.find((p) => p.deviceId === 'sm-1' && p.pointId === 'ch4')!;
    expect(ch4.value).toBeNull();
    expect(ch4.quality).not.toBe('good');
    await waitFor('the alarm lamp', () => m.coil('alarm_lamp'), 5_000);
    expect(m.coil('entry_permit')).toBe(true);
    expect(m.broadcastActivations()).toBe(0);
  });

  it('methane over 1.0 % starts the emergency broadcast (comm-1 coil) and the evacuation list names everyone underground', async () => {
    mine = await startMine({ scenario: 'gas-sensor-failure', scale: 240 });
    const m = mine;
    await warmedUp(m);
    m.begin();
    await m.until(9 * MIN);
    expect(m.broadcastActivations()).toBe(0);
    m.sims.devices.get('sm-1')!.model.set('ch4', 1.5);
    await waitFor('the broadcast trigger', () => m.broadcastActivations() === 1, 5_000);
    expect(m.activeAlarmKinds()).toContain('ch4_high');
    await waitFor('the siren on', () => m.coil('siren'), 5_000);
    const evacuation = m.runtime.lastDecision!.evacuation!;
    expect(evacuation.flatMap((g) => g.people)).toHaveLength(20);
    m.sims.devices.get('sm-1')!.model.release('ch4');
    await waitFor('the broadcast to stop once methane is back', () => !m.runtime.lastDecision!.outputs.broadcast || m.activeAlarmKinds().includes('ch4_high'), 5_000);
  });

  it('device-offline: the silent positioning substation and the disconnected water supply raise system faults; the permit goes off; the count is never shown as 0', async () => {
    mine = await startMine({ scenario: 'device-offline', scale: 240 });
    const m = mine;
    await warmedUp(m);
    m.begin();
    await m.until(9 * MIN);
    expect(m.coil('entry_permit')).toBe(true);
    expect(m.led()[0]).toMatch(/^井下人数 20\//);
    await waitFor('the positioning system fault', () => m.runtime.alarms.active().some((a) => a.key === 'system:personnel_positioning'), 20_000);
    await waitFor('the permit off', () => !m.coil('entry_permit'), 5_000);
    await waitFor('the water-supply system fault', () => m.runtime.alarms.active().some((a) => a.key === 'system:water_supply'), 20_000);
    expect(m.activeAlarmKinds()).toContain('system_fault');
    await waitFor('the siren on', () => m.coil('siren'), 5_000);
    // A person not seen leaving is still underground.
    expect(m.led()[0]).toMatch(/^井下人数 20\//);
  });

  for (const how of ['silent', 'disconnect'] as const) {
    it(`stopping the positioning substation (${how}) withdraws the permit and raises a system fault within the staleness deadline (${POSITIONING_DEADLINE_MS} ms)`, async () => {
      mine = await startMine({ scale: 60 });
      const m = mine;
      await warmedUp(m);
      m.begin();
      const pp = m.sims.devices.get('pp-1')!;
      pp.model.enter(100001);
      await waitFor('the entry', () => m.runtime.lastDecision?.headcount.total === 1, 5_000);
      expect(m.coil('entry_permit')).toBe(true);
      const stoppedAt = performance.now();
      pp.faults[how] = true;
      await waitFor('permit off and system fault', () => !m.coil('entry_permit') && m.runtime.alarms.active().some((a) => a.key === 'system:personnel_positioning'), 5_000);
      const tookMs = performance.now() - stoppedAt;
      // The deadline, plus at most one poll interval for the last good read before the fault, plus the write.
      expect(tookMs).toBeLessThan(POSITIONING_DEADLINE_MS + POLL_MS + 200);
      expect(tookMs).toBeGreaterThan(POSITIONING_DEADLINE_MS - POLL_MS);
      await waitFor('the siren on', () => m.coil('siren'), 5_000);
      pp.faults.clear();
      await waitFor('the permit back once positioning answers again', () => m.coil('entry_permit'), 5_000);
    });
  }

  it('the headcount survives an agent restart: restored, unconfirmed (permit off) until a card table, never 0', async () => {
    mine = await startMine({ scale: 60 });
    const m = mine;
    await warmedUp(m);
    m.begin();
    const pp = m.sims.devices.get('pp-1')!;
    for (const card of [100001, 100006, 100007, 100008, 100009]) pp.model.enter(card);
    await waitFor('five underground', () => m.runtime.lastDecision?.headcount.total === 5, 5_000);
    await m.restartAgent(() => (pp.faults.silent = true));
    expect(m.runtime.health().restored.headcount).toBe(true);
    expect(m.runtime.tracker.undergroundCount).toBe(5);
    // While the substation is silent the restored count is not confirmed: not permitted.
    await waitFor('the restored count shown, permit off', () => m.runtime.lastDecision !== null && m.led()[0]?.startsWith('井下人数 5/') && !m.coil('entry_permit'), 10_000);
    expect(m.runtime.lastDecision!.permit.reasons.map((r) => r.key)).toContain('positioning:unconfirmed');
    pp.faults.clear();
    await waitFor('confirmed by a card table: permit back', () => m.coil('entry_permit') && m.runtime.health().headcountConfirmed, 10_000);
    expect(m.runtime.lastDecision!.headcount.total).toBe(5);
  });
});
