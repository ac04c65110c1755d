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
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.inUse < this.slots) {
      this.inUse++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new Error(`${this.maxWaiting} requests already waiting for this device`));
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.inUse--;
  }
}
