/**
 * Register map of the simulated weather station (气象站) on its RS-485 line, Modbus RTU. The same
 * readings go out on its ASCII line (serial/weather-ascii.ts).
 */
import { floatInput, intInput, type MapEntry } from './register-map.js';

export const WEATHER_NORMAL = {
  wind_speed: { low: 1, high: 6 },
  wind_direction: { low: 0, high: 359 },
  temperature: { low: 8, high: 22 },
} as const;

export const WEATHER_MAP: readonly MapEntry[] = [
  floatInput({ address: 0, id: 'rain_1h', nameZh: '小时降雨量', unit: 'mm', range: '0–200', meaning: 'rainfall in the last 60 minutes' }),
  floatInput({ address: 2, id: 'rain_24h', nameZh: '24小时降雨量', unit: 'mm', range: '0–1000', meaning: 'rainfall in the last 24 hours (the extreme-weather ban watches this, e.g. ≥ 50 mm)' }),
  floatInput({ address: 4, id: 'wind_speed', nameZh: '风速', unit: 'm/s', range: '0–60', meaning: 'wind speed, 10-minute mean' }),
  floatInput({ address: 6, id: 'wind_direction', nameZh: '风向', unit: '°', range: '0–359', meaning: 'wind direction, degrees from north' }),
  floatInput({ address: 8, id: 'temperature', nameZh: '气温', unit: '°C', range: '-50–50', meaning: 'air temperature' }),
  intInput('uint16', { address: 10, id: 'status', nameZh: '状态字', range: '0–3', meaning: 'bit 0 rain gauge fault, bit 1 wind sensor fault; 0 = all sensors good' }),
];
