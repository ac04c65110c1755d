/**
 * The weather station's ASCII line (气象站 ASCII 串口协议), NMEA-style, one sentence per line:
 *
 *   $WX,rain1h=12.3,rain24h=45.6,wind=3.2,dir=270,temp=18.5*5A\r\n
 *
 * rain1h/rain24h in mm, wind in m/s, dir in degrees, temp in °C, one decimal (dir whole).
 * The checksum is the XOR of every byte between "$" and "*", two upper-case hex digits.
 * The station sends a sentence every `intervalMs` and at once when it receives the query line
 * `$WXQ*<checksum>` ($WXQ*5E). A line with a bad checksum is answered `$WXERR,checksum*hh`, an
 * unknown one `$WXERR,unknown*hh`. Faults: silent (sends nothing), delayMs, corruptFraction.
 */
import { LineNoise } from '../rtu/line-noise.js';
import { UnitFaults } from '../modbus/faults.js';
import type { WeatherStation } from '../devices/weather-station.js';
import { LineBuffer } from './line-buffer.js';
import type { SerialLink } from './serial-link.js';

export function nmeaChecksum(body: string): string {
  let sum = 0;
  for (const byte of Buffer.from(body, 'latin1')) sum ^= byte;
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

export const sentence = (body: string): string => `$${body}*${nmeaChecksum(body)}\r\n`;

export interface WeatherReading {
  rain1h: number;
  rain24h: number;
  wind: number;
  dir: number;
  temp: number;
}

export function formatWeatherSentence(reading: WeatherReading): string {
  return sentence(`WX,rain1h=${reading.rain1h.toFixed(1)},rain24h=${reading.rain24h.toFixed(1)},wind=${reading.wind.toFixed(1)},dir=${Math.round(reading.dir)},temp=${reading.temp.toFixed(1)}`);
}

/** Parses a sentence back (tests, and the reference for the agent's line driver); null if malformed. */
export function parseWeatherSentence(line: string): WeatherReading | null {
  const match = /^\$(WX,[^*]*)\*([0-9A-F]{2})\r?$/.exec(line);
  if (!match || nmeaChecksum(match[1]!) !== match[2]) return null;
  const fields = new Map(match[1]!.split(',').slice(1).map((pair) => pair.split('=') as [string, string]));
  const number = (key: string) => Number(fields.get(key));
  const reading = { rain1h: number('rain1h'), rain24h: number('rain24h'), wind: number('wind'), dir: number('dir'), temp: number('temp') };
  return Object.values(reading).every(Number.isFinite) ? reading : null;
}

export function readingOf(station: WeatherStation): WeatherReading {
  return {
    rain1h: station.read('rain_1h') as number,
    rain24h: station.read('rain_24h') as number,
    wind: station.read('wind_speed') as number,
    dir: station.read('wind_direction') as number,
    temp: station.read('temperature') as number,
  };
}

export class WeatherAsciiLine {
  private readonly lines = new LineBuffer(128);
  private readonly noise: LineNoise;
  private periodic: NodeJS.Timeout | null = null;
  private readonly late = new Set<NodeJS.Timeout>();
  sentences = 0;

  constructor(
    private readonly link: SerialLink,
    private readonly station: WeatherStation,
    readonly faults: UnitFaults,
    options: { seed: number; intervalMs?: number },
  ) {
    this.noise = new LineNoise(options.seed);
    link.onData((chunk) => {
      for (const line of this.lines.push(chunk)) this.answer(line);
    });
    const intervalMs = options.intervalMs ?? 1000;
    if (intervalMs > 0) this.periodic = setInterval(() => this.send(formatWeatherSentence(readingOf(this.station))), intervalMs);
  }

  async close(): Promise<void> {
    if (this.periodic) clearInterval(this.periodic);
    for (const timer of this.late) clearTimeout(timer);
    await this.link.close();
  }

  private answer(line: string): void {
    const match = /^\$([^*]*)\*([0-9A-Fa-f]{2})$/.exec(line.trim());
    if (!match) {
      if (line.trim() !== '') this.send(sentence('WXERR,unknown'));
      return;
    }
    if (nmeaChecksum(match[1]!) !== match[2]!.toUpperCase()) this.send(sentence('WXERR,checksum'));
    else if (match[1] === 'WXQ') this.send(formatWeatherSentence(readingOf(this.station)));
    else this.send(sentence('WXERR,unknown'));
  }

  private send(text: string): void {
    if (this.faults.silent || this.faults.disconnect) return;
    const bytes = this.noise.apply(Buffer.from(text, 'latin1'), this.faults.corruptFraction);
    this.sentences++;
    if (this.faults.delayMs <= 0) {
      this.link.write(bytes);
      return;
    }
    const timer = setTimeout(() => {
      this.late.delete(timer);
      this.link.write(bytes);
    }, this.faults.delayMs);
    this.late.add(timer);
  }
}
