/**
 * The people model from the config's `interlocks.people` section: layout (file or inline), shift
 * schedule, and the file roster (null when none is configured: the platform roster comes later).
 * Relative file paths are resolved against the config file's folder, as the electrician wrote them.
 */
import { isAbsolute, join } from 'node:path';
import type { PeopleConfig } from '../../config/rules-schema.js';
import { loadLayoutFile } from './layout-file.js';
import { MineLayout } from './mine-layout.js';
import { loadRosterFile } from './roster-file.js';
import type { Roster } from './roster.js';
import { ShiftSchedule } from './shift-schedule.js';

export interface PeopleModel {
  layout: MineLayout;
  schedule: ShiftSchedule;
  fileRoster: Roster | null;
}

/** Throws LayoutFileError / RosterFileError with file, line and reason; the agent must not start without them. */
export function loadPeopleModel(config: PeopleConfig, configDir: string): PeopleModel {
  const resolve = (path: string) => (isAbsolute(path) ? path : join(configDir, path));
  const layout = config.layout ? new MineLayout(config.layout) : loadLayoutFile(resolve(config.layoutFile!));
  return {
    layout,
    schedule: new ShiftSchedule(config.shifts, config.utcOffsetMinutes, config.entryLeadMinutes),
    fileRoster: config.rosterFile ? loadRosterFile(resolve(config.rosterFile), config.utcOffsetMinutes) : null,
  };
}
