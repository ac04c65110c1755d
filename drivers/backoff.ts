/**
 * Capped exponential backoff with full jitter, for every reconnect in the agent (devices, serial
 * ports, the MQTT broker): after n failures the delay is uniform in [min, min(max, min × 2^n)], so
 * devices — or a fleet of gateways that lost the broker together — do not hammer a recovering
 * peer in step.
 */
export function backoffDelayMs(failures: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.max(minMs, Math.min(maxMs, minMs * 2 ** Math.min(failures, 30)));
  return Math.round(minMs + random() * (ceiling - minMs));
}

/** The same, counting the failures itself. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt after one more failure. */
  nextDelay(): number {
    const delay = backoffDelayMs(this.failures, this.minMs, this.maxMs, this.random);
    this.failures++;
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
