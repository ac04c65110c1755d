/**
 * Wrong-PIN lock-out per client. After `maxFailures` wrong PINs within `windowMs` a client is
 * locked out until the window of its first failure has passed; a right PIN clears its record.
 * The map is bounded (oldest record forgotten first) so a flood of addresses cannot grow memory.
 */
export interface AttemptLimiterOptions {
  maxFailures: number;
  windowMs: number;
  trackedClients: number;
}

interface FailureRecord {
  firstAt: number;
  failures: number;
}

export type AttemptVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export class AttemptLimiter {
  /** Insertion order = age order (a record is re-inserted when its window restarts). */
  private readonly records = new Map<string, FailureRecord>();

  constructor(private readonly options: AttemptLimiterOptions) {}

  check(client: string, now: number): AttemptVerdict {
    const record = this.current(client, now);
    if (record === null || record.failures < this.options.maxFailures) return { allowed: true };
    return { allowed: false, retryAfterMs: record.firstAt + this.options.windowMs - now };
  }

  recordFailure(client: string, now: number): void {
    const record = this.current(client, now);
    if (record !== null) {
      record.failures += 1;
      return;
    }
    this.records.set(client, { firstAt: now, failures: 1 });
    while (this.records.size > this.options.trackedClients) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest);
    }
  }

  recordSuccess(client: string): void {
    this.records.delete(client);
  }

  get trackedCount(): number {
    return this.records.size;
  }

  /** The client's record if its window is still open; an expired one is dropped. */
  private current(client: string, now: number): FailureRecord | null {
    const record = this.records.get(client);
    if (record === undefined) return null;
    if (now - record.firstAt >= this.options.windowMs) {
      this.records.delete(client);
      return null;
    }
    return record;
  }
}
