/**
 * Paces the backlog: at most `ratePerSecond` messages per second, with a burst of one second's
 * worth. Time comes from the injected monotonic clock, so an NTP step cannot stall or flood it.
 */
export class TokenBucket {
  private tokens: number;
  private lastRefill: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number,
  ) {
    this.tokens = ratePerSecond;
    this.lastRefill = now();
  }

  /** Whole tokens available now (at most `max`); does not consume them. */
  available(max: number): number {
    this.refill();
    return Math.min(max, Math.floor(this.tokens));
  }

  consume(count: number): void {
    this.tokens -= count;
  }

  /** Milliseconds until at least one token is available. */
  msUntilNext(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.lastRefill) / 1000) * this.ratePerSecond);
    this.lastRefill = now;
  }
}
