/**
 * At most N requests on the wire to one device; the rest wait their turn in arrival order. Poll
 * workers and writes share it, so an output write never finds the connection "busy" and never
 * jumps a request already on the wire. The wait queue is bounded: a caller beyond it is refused.
 */
export class RequestSlots {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly slots: number,
    private readonly maxWaiting = 64,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    const wait = this.acquire();
    if (wait !== null) await wait;
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /**
   * Takes a slot: null when one was free (taken at once, nothing to await — the common case, kept
   * free of promises because it runs for every request), else a promise that resolves when a slot
   * passes to this caller, or rejects (nothing taken) when the wait queue is full. Every successful
   * acquire must be followed by exactly one release().
   */
  acquire(): Promise<void> | null {
    if (this.inUse < this.slots) {
      this.inUse++;
      return null;
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new Error(`${this.maxWaiting} requests already waiting for this device`));
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.inUse--;
  }
}
