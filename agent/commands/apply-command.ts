/**
 * What an accepted command changes, as a pure function of (settings, command, now): the settings
 * to write and the result to answer with, or a refusal. No I/O: the command service writes the
 * change, the nonce, the audit row and the response in one transaction.
 */
import type { RejectReason, VerifiedCommand } from './command-schema.js';
import { quotaKey, type RuntimeSettingsData, type SettingName, type WeatherAlert } from './runtime-settings-data.js';

export type SettingsChange = { [N in SettingName]?: RuntimeSettingsData[N] };

export type ApplyOutcome =
  | { ok: true; change: SettingsChange; result: Record<string, unknown> }
  | { ok: false; reason: RejectReason; detail: string };

/** Commands that change settings. ack_alarm and request_snapshot act elsewhere (see command-service.ts). */
export function applySettingsCommand(settings: RuntimeSettingsData, command: VerifiedCommand, now: number): ApplyOutcome {
  switch (command.type) {
    case 'set_quota': {
      const { scope, limit } = command.params;
      const target = command.params.target ?? null;
      const key = quotaKey(scope, target);
      const previous = settings.quotas[key]?.limit ?? null;
      return {
        ok: true,
        change: { quotas: { ...settings.quotas, [key]: { scope, target, limit, setAt: now, setBy: command.id } } },
        result: { quota: key, limit, previous },
      };
    }
    case 'set_suspension': {
      const { orderRef, maxPerShift, maxPerWorkLocation } = command.params;
      return {
        ok: true,
        change: { suspension: { orderRef, maxPerShift, maxPerWorkLocation, since: settings.suspension?.since ?? now, setBy: command.id } },
        result: { suspended: true, orderRef, maxPerShift, maxPerWorkLocation, replaced: settings.suspension?.orderRef ?? null },
      };
    }
    case 'lift_suspension': {
      if (settings.suspension === null) return { ok: false, reason: 'not_suspended', detail: 'the mine is not suspended on this gateway; nothing to lift' };
      return { ok: true, change: { suspension: null }, result: { suspended: false, lifted: settings.suspension.orderRef, orderRef: command.params.orderRef } };
    }
    case 'weather_alert': {
      const { alertId, type, colour, validFrom, validUntil, cancelled } = command.params;
      const alerts = { ...settings.weatherAlerts };
      if (cancelled) {
        delete alerts[alertId];
        return { ok: true, change: { weatherAlerts: pruneExpired(alerts, now) }, result: { alertId, cancelled: true } };
      }
      alerts[alertId] = { alertId, type, colour, validFrom, validUntil, receivedAt: now, setBy: command.id };
      return { ok: true, change: { weatherAlerts: pruneExpired(alerts, now) }, result: { alertId, type, colour, validFrom, validUntil } };
    }
    case 'roster_update': {
      const { version, people } = command.params;
      if (version <= settings.roster.version) {
        return { ok: false, reason: 'stale_version', detail: `roster version ${version} is not newer than the gateway's version ${settings.roster.version}` };
      }
      return { ok: true, change: { roster: { version, people, updatedAt: now } }, result: { version, people: people.length, previousVersion: settings.roster.version } };
    }
    case 'ack_alarm':
    case 'request_snapshot':
      return { ok: true, change: {}, result: {} };
  }
}

/** Alerts that ended are dropped when the set is rewritten, so the stored set stays small. */
function pruneExpired(alerts: Record<string, WeatherAlert>, now: number): Record<string, WeatherAlert> {
  return Object.fromEntries(Object.entries(alerts).filter(([, alert]) => alert.validUntil > now));
}
