/**
 * A clock that runs `scale` times faster than real time from a chosen start, so a whole shift of
 * a scenario passes in seconds while every device still sees consistent times. It is the one place
 * the simulators read real time; devices only ever see this injected clock.
 */
import type { Clock } from '../agent/model/clock.js';

export class ScaledClock implements Clock {
  private readonly realStart: number;

  constructor(
    readonly startMs: number,
    readonly scale: number,
    private readonly realMonotonic: () => number = () => performance.now(),
  ) {
    if (!(scale > 0)) throw new RangeError(`time scale must be > 0, got ${scale}`);
    this.realStart = realMonotonic();
  }

  now(): number {
    return Math.floor(this.startMs + this.monotonic());
  }

  monotonic(): number {
    return (this.realMonotonic() - this.realStart) * this.scale;
  }
}

/** A clock that moves only when told to (tests, and stepping a scenario as fast as possible). */
export class ManualClock implements Clock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.current;
  }

  set(ms: number): void {
    if (ms < this.current) throw new RangeError('a manual clock does not go backwards');
    this.current = ms;
  }
}
