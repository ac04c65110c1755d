/**
 * Turns a validated block response into one sample value per planned point. Shared by every Modbus
 * transport: the transports differ in framing, never in what a register means.
 */
import type { PointConfig } from '../../config/schema.js';
import type { ModbusResponse } from './protocol/pdu.js';
import type { PlannedPoint } from './read-plan.js';
import { decodeRegisters } from './values.js';

import type { Quality } from '../../agent/model/sample.js';

export type DecodedPoint = { ok: true; value: number | boolean } | { ok: false; quality: Quality; reason: string };

/** raw × scale + offset, leaving the raw value untouched when no scaling is configured. */
function toEngineering(raw: number, point: PointConfig): number {
  return point.scale === 1 && point.offset === 0 ? raw : raw * point.scale + point.offset;
}

export function decodePlannedPoint(planned: PlannedPoint, response: ModbusResponse): DecodedPoint {
  const { point, offset } = planned;
  if (response.kind === 'bits') {
    const bit = response.bits[offset];
    if (bit === undefined) return { ok: false, quality: 'config_error', reason: `bit ${offset} missing from the response` };
    return { ok: true, value: point.type === 'bool' ? bit : toEngineering(bit ? 1 : 0, point) };
  }
  if (response.kind === 'registers') {
    if (point.type === 'bool') return { ok: false, quality: 'config_error', reason: 'type bool needs a coil or discrete input' };
    const raw = decodeRegisters(response.registers, offset, point.type, point.byteOrder);
    // A device that reports NaN or infinity is telling us its sensor has no valid reading.
    if (!Number.isFinite(raw)) return { ok: false, quality: 'sensor_fault', reason: `register value decodes to ${raw}` };
    return { ok: true, value: toEngineering(raw, point) };
  }
  return { ok: false, quality: 'framing_error', reason: `unexpected ${response.kind} response to a read` };
}
