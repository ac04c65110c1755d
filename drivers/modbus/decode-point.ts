/**
 * Turns a validated block response into one sample value per planned point. Shared by every Modbus
 * transport: the transports differ in framing, never in what a register means.
 */
import type { Quality } from '../../agent/model/sample.js';
import type { PointConfig } from '../../config/schema.js';
import { toEngineering } from './engineering.js';
import type { ModbusResponse } from './protocol/pdu.js';
import type { PlannedPoint } from './read-plan.js';
import { decodeBit, decodeRegisters, decodeString } from './values.js';

export type DecodedPoint = { ok: true; value: number | boolean | string } | { ok: false; quality: Quality; reason: string };

export function decodePlannedPoint(planned: PlannedPoint, response: ModbusResponse): DecodedPoint {
  const { point, offset } = planned;
  if (response.kind === 'bits') {
    const bit = response.bits[offset];
    if (bit === undefined) return { ok: false, quality: 'config_error', reason: `bit ${offset} missing from the response` };
    return point.type === 'bool' ? { ok: true, value: bit } : numeric(bit ? 1 : 0, point);
  }
  if (response.kind === 'registers') return decodeFromRegisters(response.registers, offset, point);
  return { ok: false, quality: 'framing_error', reason: `unexpected ${response.kind} response to a read` };
}

function decodeFromRegisters(registers: Uint16Array, offset: number, point: PointConfig): DecodedPoint {
  switch (point.type) {
    case 'bool':
      return { ok: false, quality: 'config_error', reason: 'type bool needs a coil or discrete input' };
    case 'bit':
      return { ok: true, value: decodeBit(registers, offset, point.bit ?? 0, point.byteOrder) };
    case 'string':
      return { ok: true, value: decodeString(registers, offset, point.length ?? 1, point.byteOrder) };
    default: {
      const raw = decodeRegisters(registers, offset, point.type, point.byteOrder);
      // A device that reports NaN or infinity is telling us its sensor has no valid reading.
      if (!Number.isFinite(raw)) return { ok: false, quality: 'sensor_fault', reason: `register value decodes to ${raw}` };
      return numeric(raw, point);
    }
  }
}

function numeric(raw: number, point: PointConfig): DecodedPoint {
  const engineering = toEngineering(raw, point);
  return engineering.ok ? engineering : { ok: false, quality: 'sensor_fault', reason: engineering.reason };
}
