/**
 * The runtime settings in memory, loaded from the store at start and changed only by the command
 * service after the change was committed. Readers (the interlocks, the board) use the getters and
 * subscribe to changes; they never see a value that is not on disk.
 */
import type { StoredSetting } from '../store/command-ledger.js';
import type { SettingsChange } from './apply-command.js';
import {
  activeWeatherAlerts,
  defaultRuntimeSettings,
  SETTING_NAMES,
  type Quota,
  type Roster,
  type RuntimeSettingsData,
  type SettingName,
  type Suspension,
  type WeatherAlert,
} from './runtime-settings-data.js';

export interface SettingsChangeEvent {
  /** The settings that changed, with their new values. */
  changed: SettingName[];
  /** Command id (or other source) that changed them. */
  by: string;
  settings: Readonly<RuntimeSettingsData>;
}

export type SettingsListener = (event: SettingsChangeEvent) => void;

export class RuntimeSettings {
  private data: RuntimeSettingsData;
  private readonly listeners = new Set<SettingsListener>();

  /** Settings stored in SQLite; a missing or unreadable value falls back to its default (and is reported). */
  static fromStored(rows: readonly StoredSetting[], onUnreadable: (name: string, error: unknown) => void = () => {}): RuntimeSettings {
    const data = defaultRuntimeSettings();
    const target = data as unknown as Record<string, unknown>;
    for (const row of rows) {
      if (!(SETTING_NAMES as readonly string[]).includes(row.name)) continue;
      try {
        target[row.name] = JSON.parse(row.value) as unknown;
      } catch (error) {
        onUnreadable(row.name, error);
      }
    }
    return new RuntimeSettings(data);
  }

  constructor(data: RuntimeSettingsData = defaultRuntimeSettings()) {
    this.data = data;
  }

  /** The whole set, read-only. Take it as one consistent view for a rule evaluation. */
  get snapshot(): Readonly<RuntimeSettingsData> {
    return this.data;
  }

  quotas(): Quota[] {
    return Object.values(this.data.quotas);
  }

  suspension(): Suspension | null {
    return this.data.suspension;
  }

  activeWeatherAlerts(now: number): WeatherAlert[] {
    return activeWeatherAlerts(this.data, now);
  }

  roster(): Roster {
    return this.data.roster;
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: SettingsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called by the command service once the change is committed to the store. */
  applyCommitted(change: SettingsChange, by: string): void {
    const changed = Object.keys(change) as SettingName[];
    if (changed.length === 0) return;
    this.data = { ...this.data, ...change };
    const event: SettingsChangeEvent = { changed, by, settings: this.data };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not undo or hide a committed change; listeners log their own errors.
      }
    }
  }
}
