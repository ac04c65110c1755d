/**
 * A simulated KJ safety-monitoring substation (安全监测监控分站) as a Modbus unit. Register map:
 * safety-monitoring-map.ts, documented in simulators/README.md.
 *
 * Readings are a pure function of (seed, clock time) — see seeded-signal.ts — so a run is
 * reproducible and the simulator never reads the wall clock itself; the image is refreshed from the
 * injected clock when a read arrives. Tests steer it with `set`/`release` and `sensorFault`.
 */
import type { Clock } from '../../agent/model/clock.js';
import { ExceptionCode } from '../../drivers/modbus/protocol/pdu.js';
import { decodeRegisters, encodeRegisters, registerCount, type RegisterValueType } from '../../drivers/modbus/values.js';
import {
  RegisterImage,
  refuse,
  written,
  type BitTableName,
  type ModbusUnit,
  type UnitAnswer,
  type WordTableName,
} from '../modbus/data-model.js';
import { fieldSignal } from './seeded-signal.js';
import {
  ALARM_BITS,
  CALIBRATION_BASE,
  CALIBRATION_STATES,
  CURRENT_BASE,
  FAULT_CURRENT_MICROAMPS,
  FAULT_FLAG_BASE,
  FLOAT_BASE,
  SAFETY_MONITORING_MAP,
  SENSORS,
  SETTINGS,
  STATUS_BITS,
  loopCurrentMicroamps,
  type SensorId,
  type StatusBitId,
} from './safety-monitoring-map.js';

export interface SafetyMonitoringOptions {
  seed: number;
  clock: Clock;
}

const sensorIds: ReadonlySet<string> = new Set(SENSORS.map((s) => s.id));
const statusBitIds: ReadonlySet<string> = new Set(STATUS_BITS.map((b) => b.id));

export class SafetyMonitoringSubstation implements ModbusUnit {
  readonly image = new RegisterImage();
  private readonly seed: number;
  private readonly clock: Clock;
  private readonly sensorOverrides = new Map<SensorId, number>();
  private readonly statusOverrides = new Map<StatusBitId, boolean>();
  private readonly faultedSensors = new Set<SensorId>();
  private refreshedAt: number | null = null;

  constructor(options: SafetyMonitoringOptions) {
    this.seed = options.seed | 0;
    this.clock = options.clock;
    for (const entry of SAFETY_MONITORING_MAP) {
      if (entry.table === 'coil' || entry.table === 'discrete_input') this.image.defineBits(entry.table, entry.address, 1);
      else this.image.defineRegisters(entry.table, entry.address, registerCount(entry.type));
    }
    for (const setting of SETTINGS) this.image.setRegisters('holding', setting.address, [setting.initial]);
    SENSORS.forEach((_, i) => this.image.setRegisters('holding', CALIBRATION_BASE + i, [CALIBRATION_STATES.normal]));
  }

  /** Forces a sensor's engineering value or a status bit until `release`. */
  set(pointId: SensorId, value: number): void;
  set(pointId: StatusBitId, value: boolean): void;
  set(pointId: SensorId | StatusBitId, value: number | boolean): void {
    if (sensorIds.has(pointId) && typeof value === 'number' && Number.isFinite(value)) {
      this.sensorOverrides.set(pointId as SensorId, value);
    } else if (statusBitIds.has(pointId) && typeof value === 'boolean') {
      this.statusOverrides.set(pointId as StatusBitId, value);
    } else {
      throw new Error(`cannot set "${pointId}" to ${String(value)}: sensors (${[...sensorIds].join(', ')}) take a finite number, status bits (${[...statusBitIds].join(', ')}) a boolean`);
    }
    this.refreshedAt = null;
  }

  /** Returns a point to its simulated behaviour. */
  release(pointId: SensorId | StatusBitId): void {
    if (!sensorIds.has(pointId) && !statusBitIds.has(pointId)) throw new Error(`unknown point "${pointId}"`);
    this.sensorOverrides.delete(pointId as SensorId);
    this.statusOverrides.delete(pointId as StatusBitId);
    this.refreshedAt = null;
  }

  /** A broken sensor loop: current below 3.8 mA, fault flag set, float value NaN. */
  sensorFault(pointId: SensorId, on: boolean): void {
    if (!sensorIds.has(pointId)) throw new Error(`"${pointId}" is not a sensor; sensors are ${[...sensorIds].join(', ')}`);
    if (on) this.faultedSensors.add(pointId);
    else this.faultedSensors.delete(pointId);
    this.refreshedAt = null;
  }

  /** The value of any mapped point as the substation serves it now (float32-rounded, raw units). */
  read(pointId: string): number | boolean {
    const entry = SAFETY_MONITORING_MAP.find((e) => e.id === pointId);
    if (!entry) throw new Error(`"${pointId}" is not in the safety-monitoring register map`);
    this.refresh();
    if (entry.table === 'coil' || entry.table === 'discrete_input') return this.image.getBit(entry.table, entry.address);
    const words = Array.from({ length: registerCount(entry.type) }, (_, i) => this.image.getRegister(entry.table as WordTableName, entry.address + i));
    return decodeRegisters(words, 0, entry.type as RegisterValueType, entry.byteOrder);
  }

  readBits(table: BitTableName, address: number, quantity: number): UnitAnswer<readonly boolean[]> {
    this.refresh();
    return this.image.readBits(table, address, quantity);
  }

  readRegisters(table: WordTableName, address: number, quantity: number): UnitAnswer<ArrayLike<number>> {
    this.refresh();
    return this.image.readRegisters(table, address, quantity);
  }

  writeCoils(address: number, values: readonly boolean[]): UnitAnswer<void> {
    if (!this.image.coversBits('coil', address, values.length)) return refuse(ExceptionCode.illegalDataAddress);
    values.forEach((on, i) => this.image.setBit('coil', address + i, on));
    return written();
  }

  /** All or nothing: one out-of-range value rejects the whole write with "illegal data value". */
  writeRegisters(address: number, values: readonly number[]): UnitAnswer<void> {
    if (!this.image.coversRegisters('holding', address, values.length)) return refuse(ExceptionCode.illegalDataAddress);
    for (let i = 0; i < values.length; i++) {
      if (!acceptsHoldingValue(address + i, values[i]!)) return refuse(ExceptionCode.illegalDataValue);
    }
    this.image.setRegisters('holding', address, values);
    this.refreshedAt = null; // a new limit changes the alarm bits
    return written();
  }

  /** Recomputes the image for the clock's current time (only when time or an override changed). */
  private refresh(): void {
    const now = this.clock.now();
    if (now === this.refreshedAt) return;
    this.refreshedAt = now;
    const readings = new Map<SensorId, number>();
    SENSORS.forEach((sensor, i) => {
      const faulted = this.faultedSensors.has(sensor.id);
      const value = this.sensorOverrides.get(sensor.id) ?? fieldSignal(this.seed, i, now, sensor.normalLow, sensor.normalHigh);
      if (!faulted) readings.set(sensor.id, value);
      this.image.setRegisters('input', FLOAT_BASE + 2 * i, encodeRegisters(faulted ? Number.NaN : value, 'float32', 'ABCD'));
      this.image.setRegisters('input', CURRENT_BASE + i, [faulted ? FAULT_CURRENT_MICROAMPS : loopCurrentMicroamps(sensor, value)]);
      this.image.setBit('discrete_input', FAULT_FLAG_BASE + i, faulted);
    });
    for (const bit of STATUS_BITS) this.image.setBit('discrete_input', bit.address, this.statusOverrides.get(bit.id) ?? bit.normally);
    this.refreshAlarms(readings);
  }

  /** Alarm bits come from valid readings only; a faulted sensor raises its fault flag instead. */
  private refreshAlarms(readings: ReadonlyMap<SensorId, number>): void {
    const limit = (id: (typeof SETTINGS)[number]['id']) => {
      const setting = SETTINGS.find((s) => s.id === id)!;
      return this.image.getRegister('holding', setting.address) * setting.scale;
    };
    // Limits are raw × 0.01, which is not exact in binary (110 × 0.01 > 1.1): compare with a hair of slack.
    const ch4 = readings.get('ch4');
    const co = readings.get('co');
    const states: Record<(typeof ALARM_BITS)[number]['id'], boolean> = {
      ch4_alarm: ch4 !== undefined && ch4 >= limit('ch4_alarm_limit') - 1e-9,
      ch4_power_cut: ch4 !== undefined && ch4 >= limit('ch4_power_cut_limit') - 1e-9,
      co_alarm: co !== undefined && co >= limit('co_alarm_limit') - 1e-9,
    };
    for (const bit of ALARM_BITS) this.image.setBit('discrete_input', bit.address, states[bit.id]);
  }
}

function acceptsHoldingValue(address: number, value: number): boolean {
  const setting = SETTINGS.find((s) => s.address === address);
  if (setting) return value >= setting.min && value <= setting.max;
  // Otherwise a calibration-state register (the map check above guarantees it is one).
  return value >= CALIBRATION_STATES.normal && value <= CALIBRATION_STATES.due;
}
