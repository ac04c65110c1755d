import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelayMs } from '../../drivers/backoff.js';

describe('backoff', () => {
  it('grows exponentially up to the cap, with jitter inside [min, ceiling]', () => {
    const top = new Backoff(100, 1000, () => 1);
    expect([top.nextDelay(), top.nextDelay(), top.nextDelay(), top.nextDelay(), top.nextDelay()]).toEqual([100, 200, 400, 800, 1000]);
    const bottom = new Backoff(100, 1000, () => 0);
    expect([bottom.nextDelay(), bottom.nextDelay(), bottom.nextDelay()]).toEqual([100, 100, 100]);
    expect(backoffDelayMs(3, 100, 1000, () => 0.5)).toBe(450);
  });

  it('never exceeds the cap however many failures', () => {
    expect(backoffDelayMs(1000, 500, 30_000, () => 1)).toBe(30_000);
  });

  it('starts over after a success', () => {
    const backoff = new Backoff(100, 1000, () => 1);
    backoff.nextDelay();
    backoff.nextDelay();
    backoff.reset();
    expect(backoff.consecutiveFailures).toBe(0);
    expect(backoff.nextDelay()).toBe(100);
  });
});
