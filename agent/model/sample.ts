/**
 * A sample is one reading of one point, exactly as measured. Nothing downstream ever changes it;
 * a reading that could not be taken is still a sample, with a quality that says why and value null.
 */
import type { PositioningRead } from './positioning.js';

export const QUALITIES = [
  'good',
  'timeout', // the device did not answer in time
  'comm_error', // connection refused/reset, no route
  'framing_error', // a response that failed validation (length, transaction id, CRC)
  'exception', // the device answered with a Modbus exception (see exceptionCode)
  'sensor_fault', // e.g. a 4–20 mA loop below 3.8 mA or above 20.5 mA
  'stale', // not refreshed within its deadline
  'config_error', // the point cannot be read as configured
] as const;
export type Quality = (typeof QUALITIES)[number];

export type SampleValue = number | boolean | string | null;

export interface Sample {
  deviceId: string;
  pointId: string;
  /** Engineering value; null whenever quality is not "good". */
  value: SampleValue;
  quality: Quality;
  /** Wall-clock receive time, milliseconds since the Unix epoch. */
  ts: number;
  /** Monotonic receive time in milliseconds (performance.now() of this process); orders samples within a run. */
  mono: number;
  /** Modbus exception code when quality is "exception". */
  exceptionCode?: number;
}

/** All samples one device produced in one poll cycle: the unit the store writes in one transaction. */
export interface PollCycle {
  deviceId: string;
  /** Cycle start, wall clock ms. */
  startedAt: number;
  /** Time the cycle's last response arrived, wall clock ms. */
  finishedAt: number;
  samples: Sample[];
  /** Personnel-positioning devices only: events and card snapshot of this cycle (model/positioning.ts). */
  positioning?: PositioningRead;
}
