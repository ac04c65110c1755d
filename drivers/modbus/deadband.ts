/**
 * Deadband: how much a value must change before the change is reported as an event (board
 * updates, upstream change events). It is a reporting filter only: every measured sample is still
 * stored in history exactly as read — a deadband never drops, rounds or alters a measurement.
 */
import type { SampleValue } from '../../agent/model/sample.js';

/**
 * True when `next` is a change worth reporting after `prev`: the first value, any change of quality
 * to or from null, any change of a non-numeric value, or a numeric change by more than `deadband`
 * (absolute, engineering units). Without a deadband (undefined or 0) every change counts.
 */
export function exceedsDeadband(prev: SampleValue | undefined, next: SampleValue, deadband: number | undefined): boolean {
  if (prev === undefined || prev === null || next === null) return prev !== next;
  if (typeof prev !== 'number' || typeof next !== 'number') return prev !== next;
  if (deadband === undefined || deadband <= 0) return prev !== next;
  return Math.abs(next - prev) > deadband;
}
