/** The most recent transitions, bounded; what fell off is counted, not silently lost. */
import type { AlarmTransition } from './alarm-types.js';

export class AlarmHistory {
  private readonly items: AlarmTransition[] = [];
  private droppedCount = 0;

  constructor(private readonly limit: number) {}

  add(transition: AlarmTransition): void {
    this.items.push(transition);
    if (this.items.length > this.limit) {
      // Drop in chunks so a busy alarm system does not shift the array on every transition.
      const excess = this.items.length - this.limit;
      const chunk = Math.max(excess, Math.ceil(this.limit / 10));
      this.items.splice(0, chunk);
      this.droppedCount += chunk;
    }
  }

  recent(): readonly AlarmTransition[] {
    return this.items;
  }

  get dropped(): number {
    return this.droppedCount;
  }
}
