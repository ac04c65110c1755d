/**
 * The settings the platform (and later the board) can change at run time, as plain data. The
 * interlocks read them; commands change them through apply-command.ts. Persisted in SQLite
 * (runtime_settings), one JSON value per name.
 */
import type { QUOTA_SCOPES, RosterPerson, WEATHER_COLOURS, WEATHER_TYPES } from './command-schema.js';

export type QuotaScope = (typeof QUOTA_SCOPES)[number];

export interface Quota {
  scope: QuotaScope;
  /** Area or level id; null for mine and shift. */
  target: string | null;
  limit: number;
  setAt: number;
  /** Command id that set it. */
  setBy: string;
}

export interface Suspension {
  orderRef: string;
  maxPerShift: number;
  maxPerWorkLocation: number;
  since: number;
  setBy: string;
}

export interface WeatherAlert {
  alertId: string;
  type: (typeof WEATHER_TYPES)[number];
  colour: (typeof WEATHER_COLOURS)[number];
  validFrom: number;
  validUntil: number;
  receivedAt: number;
  setBy: string;
}

export interface Roster {
  /** 0 until the platform sends the first roster. */
  version: number;
  people: RosterPerson[];
  updatedAt: number | null;
}

export interface RuntimeSettingsData {
  /** Keyed by quotaKey(scope, target). */
  quotas: Record<string, Quota>;
  /** null: the mine is not suspended. */
  suspension: Suspension | null;
  /** Keyed by alertId; expired alerts are kept until replaced or pruned, and filtered by activeWeatherAlerts(). */
  weatherAlerts: Record<string, WeatherAlert>;
  roster: Roster;
}

export const SETTING_NAMES = ['quotas', 'suspension', 'weatherAlerts', 'roster'] as const satisfies ReadonlyArray<keyof RuntimeSettingsData>;
export type SettingName = (typeof SETTING_NAMES)[number];

export function defaultRuntimeSettings(): RuntimeSettingsData {
  return { quotas: {}, suspension: null, weatherAlerts: {}, roster: { version: 0, people: [], updatedAt: null } };
}

export function quotaKey(scope: QuotaScope, target: string | null): string {
  return target === null ? scope : `${scope}:${target}`;
}

/** Alerts in force at `now`. */
export function activeWeatherAlerts(data: RuntimeSettingsData, now: number): WeatherAlert[] {
  return Object.values(data.weatherAlerts).filter((alert) => alert.validFrom <= now && now < alert.validUntil);
}
