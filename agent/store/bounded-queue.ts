/**
 * A FIFO with a hard limit: pushing onto a full queue drops the oldest item and counts it.
 * O(1) push and drop (a head index instead of Array.shift, which is O(n) on a 10 000-item queue).
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private droppedCount = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Items dropped because the queue was full, since it was created. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Appends; returns how many of the oldest items were dropped to make room (0 or 1). */
  push(item: T): number {
    this.items.push(item);
    return this.trim();
  }

  /** Puts items back at the front, in order (a batch to retry). The limit still holds: the oldest go first. */
  unshiftAll(batch: readonly T[]): number {
    this.items = [...batch, ...this.items.slice(this.head)];
    this.head = 0;
    return this.trim();
  }

  /** Removes and returns up to `max` items from the front. */
  take(max: number): T[] {
    const end = Math.min(this.items.length, this.head + max);
    const batch = this.items.slice(this.head, end);
    this.head = end;
    this.compact();
    return batch;
  }

  private trim(): number {
    const excess = this.length - this.capacity;
    if (excess <= 0) return 0;
    this.head += excess;
    this.droppedCount += excess;
    this.compact();
    return excess;
  }

  /** Releases the consumed prefix once it is at least half the array, keeping memory bounded. */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
