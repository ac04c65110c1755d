/** Per-device request statistics, shared by the Modbus transports; `snapshot()` fills DriverStats. */
import type { DriverStats } from '../driver.js';
import { RoundTripWindow } from '../round-trip-stats.js';

export type ErrorKind = 'timeout' | 'framing' | 'connection';

export class DriverCounters {
  requests = 0;
  responses = 0;
  reconnects = 0;
  lastSuccessAt: number | null = null;
  lastError: string | null = null;
  private readonly errors = { timeout: 0, exception: 0, framing: 0, connection: 0 };
  private readonly exceptionsByCode: Record<string, number> = {};
  private readonly writes = { requests: 0, confirmed: 0, failed: 0, readBackMismatches: 0 };
  private readonly roundTrips = new RoundTripWindow();

  /** A response arrived (normal or exception) after `roundTripMs`. */
  response(roundTripMs: number, at: number): void {
    this.responses++;
    this.roundTrips.add(roundTripMs);
    this.lastSuccessAt = at;
  }

  exception(code: number, description: string): void {
    this.errors.exception++;
    this.exceptionsByCode[String(code)] = (this.exceptionsByCode[String(code)] ?? 0) + 1;
    this.lastError = description;
  }

  error(kind: ErrorKind, description: string): void {
    this.errors[kind]++;
    this.lastError = description;
  }

  write(outcome: 'confirmed' | 'failed' | 'mismatch'): void {
    this.writes.requests++;
    if (outcome === 'confirmed') this.writes.confirmed++;
    else this.writes.failed++;
    if (outcome === 'mismatch') this.writes.readBackMismatches++;
  }

  snapshot(fields: Pick<DriverStats, 'deviceId' | 'endpoint' | 'connected' | 'discardedResponses' | 'blocksSplit'>): DriverStats {
    return {
      ...fields,
      requests: this.requests,
      responses: this.responses,
      errors: { ...this.errors, exceptionsByCode: { ...this.exceptionsByCode } },
      writes: { ...this.writes },
      reconnects: this.reconnects,
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.lastError,
      roundTripMs: this.roundTrips.percentiles(),
    };
  }
}
