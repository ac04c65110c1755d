/**
 * The small interface every transport implements (EdgeX calls it a ProtocolDriver). The scheduler
 * owns timing; a driver owns its connection and its prepared read plan.
 */
import type { PollCycle, Sample } from '../agent/model/sample.js';

export interface Driver {
  readonly deviceId: string;
  /**
   * Runs the prepared read plan once. Never throws and never hangs past its configured timeouts:
   * every configured point gets exactly one sample, with a quality that says why when it is not good.
   */
  poll(): Promise<Sample[]>;
  /** Closes the connection; a poll in progress finishes with comm_error samples. */
  close(): Promise<void>;
  stats(): DriverStats;
}

export interface DriverStats {
  deviceId: string;
  endpoint: string;
  connected: boolean;
  requests: number;
  responses: number;
  errors: {
    timeout: number;
    exception: number;
    framing: number;
    connection: number;
    /** Modbus exception responses by exception code ("2": illegal data address, "4": device failure, ...). */
    exceptionsByCode: Record<string, number>;
  };
  /** Blocks split into per-point reads after the device answered "illegal data address". */
  blocksSplit: number;
  /** Output writes (see drivers/writes/): attempted, confirmed by read-back, failed (incl. read-back mismatches). */
  writes: { requests: number; confirmed: number; failed: number; readBackMismatches: number };
  /** Responses that matched no waiting request (late answers after a timeout), discarded. */
  discardedResponses: number;
  reconnects: number;
  lastSuccessAt: number | null;
  lastError: string | null;
  roundTripMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
}

/**
 * A driver whose poll yields more than point samples (the positioning driver's events and card
 * table). The scheduler calls `pollCycle()` on such a driver: its plain `poll()` reads only the
 * points, so a caller that knows nothing of cycles can never consume events it would then drop.
 */
export interface PollCycleDriver extends Driver {
  /** Runs one whole cycle; never throws, never hangs past its timeouts (as Driver.poll). */
  pollCycle(): Promise<PollCycle>;
}

export function producesPollCycles(driver: Driver): driver is PollCycleDriver {
  return typeof (driver as Partial<PollCycleDriver>).pollCycle === 'function';
}
