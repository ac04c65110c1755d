/** The pure settings changes of accepted commands, and the refusals that leave state unchanged. */
import { describe, expect, it } from 'vitest';
import { applySettingsCommand } from '../../agent/commands/apply-command.js';
import type { VerifiedCommand } from '../../agent/commands/command-schema.js';
import { activeWeatherAlerts, defaultRuntimeSettings } from '../../agent/commands/runtime-settings-data.js';

const NOW = Date.UTC(2025, 5, 1, 8);
const base = { v: 1, id: '00000000-0000-4000-8000-000000000001', issuedAt: NOW, expiresAt: NOW + 1, nonce: 'x'.repeat(16), keyId: 'k', signature: '' };
const cmd = (type: string, params: object) => ({ ...base, type, params }) as unknown as VerifiedCommand;

describe('applySettingsCommand', () => {
  it('sets a quota per scope and target', () => {
    const outcome = applySettingsCommand(defaultRuntimeSettings(), cmd('set_quota', { scope: 'area', target: 'A-3', limit: 12 }), NOW);
    expect(outcome).toMatchObject({ ok: true, change: { quotas: { 'area:A-3': { limit: 12, setBy: base.id } } }, result: { previous: null } });
  });

  it('sets and lifts a suspension; lifting none is refused', () => {
    const settings = defaultRuntimeSettings();
    const set = applySettingsCommand(settings, cmd('set_suspension', { orderRef: 'HLJ-25-7', maxPerShift: 30, maxPerWorkLocation: 10 }), NOW);
    expect(set.ok && set.change.suspension).toMatchObject({ orderRef: 'HLJ-25-7', maxPerWorkLocation: 10 });
    expect(applySettingsCommand(settings, cmd('lift_suspension', { orderRef: 'HLJ-25-8' }), NOW)).toMatchObject({ ok: false, reason: 'not_suspended' });
  });

  it('keeps weather alerts by id and reports only those in force', () => {
    const settings = defaultRuntimeSettings();
    const outcome = applySettingsCommand(settings, cmd('weather_alert', { alertId: 'w1', type: 'rainstorm', colour: 'blue', validFrom: NOW - 1, validUntil: NOW + 3_600_000, cancelled: false }), NOW);
    if (!outcome.ok) throw new Error('expected ok');
    const next = { ...settings, ...outcome.change };
    expect(activeWeatherAlerts(next, NOW).map((a) => a.colour)).toEqual(['blue']);
    expect(activeWeatherAlerts(next, NOW + 3_600_000)).toEqual([]);
  });

  it('refuses a roster that is not newer', () => {
    const settings = { ...defaultRuntimeSettings(), roster: { version: 5, people: [], updatedAt: NOW } };
    expect(applySettingsCommand(settings, cmd('roster_update', { version: 5, people: [] }), NOW)).toMatchObject({ ok: false, reason: 'stale_version' });
    expect(applySettingsCommand(settings, cmd('roster_update', { version: 6, people: [] }), NOW)).toMatchObject({ ok: true, result: { version: 6, previousVersion: 5 } });
  });
});
