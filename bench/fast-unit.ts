/**
 * A minimal in-memory Modbus unit for benchmarks: holding registers 0..size-1 filled with float32
 * values, answered from a typed array so the server adds as little as possible to the round trip.
 */
import { encodeRegisters } from '../drivers/modbus/values.js';
import { answer, refuse, written, type ModbusUnit, type UnitAnswer } from '../simulators/modbus/data-model.js';

export function float32HoldingUnit(values: number): ModbusUnit {
  const words = new Uint16Array(values * 2);
  for (let i = 0; i < values; i++) words.set(encodeRegisters(i + 0.5, 'float32', 'ABCD'), i * 2);
  const inRange = (address: number, quantity: number) => address + quantity <= words.length;
  return {
    readBits: (): UnitAnswer<readonly boolean[]> => refuse(2),
    readRegisters: (table, address, quantity) => (table === 'holding' && inRange(address, quantity) ? answer(words.subarray(address, address + quantity)) : refuse(2)),
    writeCoils: () => refuse(1),
    writeRegisters: (address, values) => {
      if (!inRange(address, values.length)) return refuse(2);
      words.set(values, address);
      return written();
    },
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
