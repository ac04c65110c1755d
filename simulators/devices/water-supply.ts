/**
 * Simulated water-supply rescue station (供水施救). Map: water-supply-map.ts. Pin `pump_running`
 * false (or `pump_fault` true) and flow drops to 0, the supply main to 0.1 MPa and the outlets to
 * static head — the pressure the agent's minimum-pressure rule watches.
 */
import { MappedDevice, type DeviceContext, type PointValue } from './mapped-device.js';
import { fieldSignal } from './seeded-signal.js';
import { WATER_NORMAL, WATER_STATIC_OUTLET_PRESSURE, WATER_SUPPLY_MAP } from './water-supply-map.js';

export class WaterSupplyStation extends MappedDevice {
  constructor(context: DeviceContext) {
    super(WATER_SUPPLY_MAP, context);
  }

  protected simulate(now: number): ReadonlyMap<string, PointValue> {
    const running = this.pinned('pump_running') !== false && this.pinned('pump_fault') !== true;
    const band = (channel: number, range: { low: number; high: number }) => fieldSignal(this.seed, channel, now, range.low, range.high);
    return new Map<string, PointValue>([
      ['pump_running', running],
      ['pump_fault', false],
      ['supply_pressure', running ? band(0, WATER_NORMAL.supply_pressure) : 0.1],
      ['outlet_pressure', running ? band(1, WATER_NORMAL.outlet_pressure) : WATER_STATIC_OUTLET_PRESSURE],
      ['flow', running ? band(2, WATER_NORMAL.flow) : 0],
      ['tank_level', band(3, WATER_NORMAL.tank_level)],
    ]);
  }
}
