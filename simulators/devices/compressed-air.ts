/**
 * Simulated compressed-air self-rescue station (压风自救). Map: compressed-air-map.ts.
 * Pressures and flow drift inside their normal bands while the compressor runs; pin
 * `compressor_running` to false and the network bleeds down (header 0.05, outlet 0.02 MPa, flow 0),
 * as it does when the compressor trips — so one switch exercises the agent's pressure alarm.
 */
import { COMPRESSED_AIR_MAP, AIR_NORMAL } from './compressed-air-map.js';
import { MappedDevice, type DeviceContext, type PointValue } from './mapped-device.js';
import { fieldSignal } from './seeded-signal.js';

export class CompressedAirStation extends MappedDevice {
  constructor(context: DeviceContext) {
    super(COMPRESSED_AIR_MAP, context);
  }

  protected simulate(now: number): ReadonlyMap<string, PointValue> {
    const running = this.pinned('compressor_running') !== false && this.pinned('compressor_fault') !== true;
    const band = (channel: number, low: number, high: number) => fieldSignal(this.seed, channel, now, low, high);
    return new Map<string, PointValue>([
      ['compressor_running', running],
      ['compressor_fault', false],
      ['header_pressure', running ? band(0, AIR_NORMAL.header_pressure.low, AIR_NORMAL.header_pressure.high) : 0.05],
      ['outlet_pressure', running ? band(1, AIR_NORMAL.outlet_pressure.low, AIR_NORMAL.outlet_pressure.high) : 0.02],
      ['flow', running ? band(2, AIR_NORMAL.flow.low, AIR_NORMAL.flow.high) : 0],
    ]);
  }
}
