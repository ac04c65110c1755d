/**
 * On-delay (ISA-18.2): a condition takes effect only after it has held for its delay, so a single
 * noisy sample does not raise an alarm. The memory is the time each pending condition began; a
 * condition that goes away forgets it, so the delay starts over when it comes back.
 */
import type { Finding } from './rule-types.js';

export class OnDelay {
  private readonly pendingSince = new Map<string, number>();

  /** The findings in effect at `now`; delayed ones only once they held for their delay. */
  filter(findings: readonly Finding[], now: number): Finding[] {
    const present = new Set<string>();
    const effective: Finding[] = [];
    for (const f of findings) {
      present.add(f.key);
      if (f.onDelayMs <= 0) {
        effective.push(f);
        continue;
      }
      const since = this.pendingSince.get(f.key) ?? now;
      if (!this.pendingSince.has(f.key)) this.pendingSince.set(f.key, now);
      if (now - since >= f.onDelayMs) effective.push(f);
    }
    for (const key of [...this.pendingSince.keys()]) if (!present.has(key)) this.pendingSince.delete(key);
    return effective;
  }
}
