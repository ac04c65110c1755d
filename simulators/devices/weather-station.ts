/**
 * Simulated weather station (气象站). Map: weather-map.ts. Dry by default; `rain(mmPerHour)` starts
 * (or stops, with 0) rain at the injected clock's time, and the hourly and 24-hour totals follow
 * exactly. Wind and temperature drift from the seed.
 */
import { MappedDevice, type DeviceContext, type PointValue } from './mapped-device.js';
import { RainfallHistory } from './rainfall.js';
import { fieldSignal } from './seeded-signal.js';
import { WEATHER_MAP, WEATHER_NORMAL } from './weather-map.js';

const HOUR_MS = 3_600_000;

export class WeatherStation extends MappedDevice {
  private readonly rainfall = new RainfallHistory();

  constructor(context: DeviceContext) {
    super(WEATHER_MAP, context);
  }

  /** Rain at this rate from now on (0 stops it). */
  rain(mmPerHour: number): void {
    this.rainfall.setRate(this.clock.now(), mmPerHour);
    this.invalidate();
  }

  protected simulate(now: number): ReadonlyMap<string, PointValue> {
    const band = (channel: number, range: { low: number; high: number }) => fieldSignal(this.seed, channel, now, range.low, range.high);
    return new Map<string, PointValue>([
      ['rain_1h', this.rainfall.accumulated(now, HOUR_MS)],
      ['rain_24h', this.rainfall.accumulated(now, 24 * HOUR_MS)],
      ['wind_speed', band(0, WEATHER_NORMAL.wind_speed)],
      ['wind_direction', Math.round(band(1, WEATHER_NORMAL.wind_direction))],
      ['temperature', band(2, WEATHER_NORMAL.temperature)],
      ['status', 0],
    ]);
  }
}
