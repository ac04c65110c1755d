import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../../agent/board/attempt-limiter.js';

describe('wrong-PIN lock-out', () => {
  const options = { maxFailures: 3, windowMs: 60_000, trackedClients: 16 };

  it('locks a client out after maxFailures within the window, until the window ends', () => {
    const limiter = new AttemptLimiter(options);
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.check('10.0.0.5', 1_000 + i).allowed).toBe(true);
      limiter.recordFailure('10.0.0.5', 1_000 + i);
    }
    expect(limiter.check('10.0.0.5', 2_000)).toEqual({ allowed: false, retryAfterMs: 59_000 });
    expect(limiter.check('10.0.0.6', 2_000).allowed).toBe(true); // others are not affected
    expect(limiter.check('10.0.0.5', 61_000).allowed).toBe(true);
  });

  it('forgets the failures after a right PIN', () => {
    const limiter = new AttemptLimiter(options);
    limiter.recordFailure('a', 0);
    limiter.recordFailure('a', 1);
    limiter.recordSuccess('a');
    limiter.recordFailure('a', 2);
    limiter.recordFailure('a', 3);
    expect(limiter.check('a', 4).allowed).toBe(true);
  });

  it('remembers at most trackedClients, forgetting the oldest first', () => {
    const limiter = new AttemptLimiter(options);
    for (let i = 0; i < 1_000; i += 1) limiter.recordFailure(`10.0.${i >> 8}.${i & 255}`, i);
    expect(limiter.trackedCount).toBe(16);
    for (let i = 0; i < 3; i += 1) limiter.recordFailure('newest', 2_000);
    expect(limiter.trackedCount).toBe(16);
    expect(limiter.check('newest', 2_001).allowed).toBe(false);
  });
});
