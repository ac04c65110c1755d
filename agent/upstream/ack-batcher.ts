/**
 * Collects broker acknowledgements and deletes the acknowledged rows from the outbox in one
 * transaction per batch (every `maxDelayMs` or `maxIds`, whichever comes first), instead of one
 * fsync per message.
 *
 * An id waiting here was acknowledged but not yet deleted. If the process dies now, the row is
 * sent again after the restart, with the same message id: a duplicate the platform can drop,
 * never a loss. If deleting fails (store unavailable), ids are kept and retried; beyond
 * MAX_PENDING_IDS the oldest are forgotten (those rows, too, would only be re-sent).
 */
import type { Logger } from '../runtime/logger.js';
import type { OutboxSource } from './outbox-source.js';

const MAX_PENDING_IDS = 100_000;
const RETRY_AFTER_FAILURE_MS = 1000;

export interface AckBatcherOptions {
  maxIds: number;
  maxDelayMs: number;
  logger: Logger;
}

export class AckBatcher {
  private pendingIds = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private failing = false;

  constructor(
    private readonly outbox: Pick<OutboxSource, 'ack'>,
    private readonly options: AckBatcherOptions,
  ) {}

  get pending(): number {
    return this.pendingIds.size;
  }

  /** True if the row was acknowledged and its deletion is still pending: do not send it again. */
  has(id: number): boolean {
    return this.pendingIds.has(id);
  }

  add(id: number): void {
    this.pendingIds.add(id);
    if (this.pendingIds.size > MAX_PENDING_IDS) this.forgetOldest();
    if (this.pendingIds.size >= this.options.maxIds && !this.failing) this.flush();
    else this.schedule(this.failing ? RETRY_AFTER_FAILURE_MS : this.options.maxDelayMs);
  }

  /** Deletes all pending rows now. Returns false if the store refused (the ids are kept). */
  flush(): boolean {
    this.clearTimer();
    if (this.pendingIds.size === 0) return true;
    const ids = [...this.pendingIds];
    try {
      this.outbox.ack(ids);
      this.pendingIds = new Set();
      if (this.failing) this.options.logger.info('deleting acknowledged messages from the outbox works again');
      this.failing = false;
      return true;
    } catch (error) {
      if (!this.failing) {
        this.options.logger.error(
          { err: error, ids: ids.length },
          `could not delete ${ids.length} acknowledged message(s) from the outbox (${error instanceof Error ? error.message : String(error)}); ` +
            `retrying every ${RETRY_AFTER_FAILURE_MS} ms. Until then they may be sent again (same message id). Check the store's disk.`,
        );
      }
      this.failing = true;
      this.schedule(RETRY_AFTER_FAILURE_MS);
      return false;
    }
  }

  dispose(): void {
    this.clearTimer();
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private forgetOldest(): void {
    const excess = this.pendingIds.size - MAX_PENDING_IDS;
    let forgotten = 0;
    for (const id of this.pendingIds) {
      if (forgotten >= excess) break;
      this.pendingIds.delete(id);
      forgotten += 1;
    }
    this.options.logger.warn({ forgotten }, `forgot ${forgotten} acknowledgement(s) that could not be written; those messages will be sent again with their ids`);
  }
}
