/**
 * The bounded queue between the poll path and the store. The poll path calls enqueue() and moves
 * on: it never waits for SQLite and never sees a store error (safety principle 4). Writes are
 * coalesced, at most one per `flushIntervalMs`: a cycle arriving when the last write is older than
 * that is written on the next event-loop turn (with whatever else arrived in that turn); cycles
 * arriving sooner wait for the interval to end and then go in one transaction (one fsync,
 * synchronous=FULL). When `flushAtCycles` wait (a burst, a backlog after an outage) or the
 * interval is 0, the write is on the next turn.
 * Device timers are staggered, so without the interval every cycle was its own transaction: at
 * ref-1k that was 17 commits a second and ~40 % of the agent's busy time. Cycles waiting in the
 * queue have not reached the store yet (a kill -9 loses at most one interval of them, as it loses
 * the cycles still in the drivers); a clean stop writes them (flush()).
 *
 * When the store cannot write (disk full, I/O error, locked):
 *   the batch goes back to the front of the queue and is retried with backoff (1 s doubling to
 *   30 s). The queue limit still holds, so while the store is down the oldest cycles are dropped
 *   and counted: memory stays bounded and the newest data, which matters most to the shaft head,
 *   is kept.
 * When the store refuses the data itself (a value SQLite cannot hold, a constraint):
 *   retrying would fail forever and block everything behind it, so the batch is written cycle by
 *   cycle and only the cycles that fail are rejected, counted and logged with their device.
 */
import type { PollCycle } from '../model/sample.js';
import type { Logger } from '../runtime/logger.js';
import { BoundedQueue } from './bounded-queue.js';
import { isStoreUnavailableError, storeErrorHint } from './store-errors.js';

/** What the writer needs from the store. */
export interface CycleRecorder {
  recordCycles(cycles: readonly PollCycle[]): void;
}

export interface StoreWriterOptions {
  maxPendingCycles: number;
  logger: Logger;
  /**
   * Called right before a write (a synchronous transaction that holds the event loop for a few ms),
   * so work that must not wait behind it runs first: the agent makes a pending interlock decision.
   */
  beforeWrite?: () => void;
  /** Called after cycles were committed, e.g. to wake the forwarder. */
  onWritten?: (cycles: number) => void;
  /**
   * Most cycles in one transaction. A backlog after a store outage is written in several turns, so
   * one huge transaction never holds the event loop. Default 1000 (≈ 100 000 samples).
   */
  maxCyclesPerTransaction?: number;
  /**
   * Cycles that arrive within this many ms are written in one transaction (store.flushIntervalMs).
   * 0: on the next event-loop turn. Default 0 here; the agent passes the config's (250 ms).
   */
  flushIntervalMs?: number;
  /** Write on the next event-loop turn, without waiting for the interval, once this many cycles wait. Default 200. */
  flushAtCycles?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface StoreWriterStats {
  /** Cycles waiting now. */
  queued: number;
  /** Cycles committed to the store. */
  written: number;
  /** Cycles dropped, oldest first, because more than maxPendingCycles were waiting. */
  dropped: number;
  /** Cycles the store refused (bad data); not retried. */
  rejected: number;
  /** Write attempts that failed. */
  failedWrites: number;
  /** The last write error, with what to check; null once a write succeeds again. */
  lastError: string | null;
}

const DEFAULT_MAX_CYCLES_PER_TRANSACTION = 1000;
const DEFAULT_FLUSH_AT_CYCLES = 200;
const DEFAULT_RETRY_MIN_MS = 1000;
const DEFAULT_RETRY_MAX_MS = 30_000;
/** While the store stays down, repeat the error in the log at most this often. */
const REPEAT_ERROR_LOG_MS = 60_000;

export class StoreWriter {
  private readonly queue: BoundedQueue<PollCycle>;
  private readonly maxPerTransaction: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly flushIntervalMs: number;
  private readonly flushAtCycles: number;
  private immediate: NodeJS.Immediate | null = null;
  /** The interval's timer: a write is due when it fires. */
  private intervalTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs = 0;
  private lastErrorLoggedAt = Number.NEGATIVE_INFINITY;
  /** performance.now() of the last write attempt. */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private droppedLogged = 0;
  private written = 0;
  private rejected = 0;
  private failedWrites = 0;
  private lastError: string | null = null;
  private stopped = false;

  constructor(
    private readonly store: CycleRecorder,
    private readonly options: StoreWriterOptions,
  ) {
    this.queue = new BoundedQueue(options.maxPendingCycles);
    this.maxPerTransaction = options.maxCyclesPerTransaction ?? DEFAULT_MAX_CYCLES_PER_TRANSACTION;
    this.retryMinMs = options.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
    this.flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 0);
    this.flushAtCycles = Math.max(1, options.flushAtCycles ?? DEFAULT_FLUSH_AT_CYCLES);
    this.retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  }

  /** Queues a cycle for the store. Never blocks, never throws. */
  enqueue(cycle: PollCycle): void {
    try {
      this.queue.push(cycle);
      this.scheduleFlush();
    } catch (error) {
      // Nothing above can throw in practice; this guard keeps the promise made to the poll path.
      this.options.logger.error({ err: error }, 'store writer: could not queue a poll cycle');
    }
  }

  /** Writes everything waiting now, synchronously (at shutdown). Failures are handled as in the background. */
  flush(): void {
    this.cancelScheduled();
    while (this.queue.length > 0) {
      if (!this.writeNextBatch()) break;
    }
  }

  /** Cancels pending work without writing; the queued cycles are discarded. Call flush() first to keep them. */
  stop(): void {
    this.stopped = true;
    this.cancelScheduled();
  }

  stats(): StoreWriterStats {
    return {
      queued: this.queue.length,
      written: this.written,
      dropped: this.queue.dropped,
      rejected: this.rejected,
      failedWrites: this.failedWrites,
      lastError: this.lastError,
    };
  }

  /**
   * Plans the next write: on the next turn when the last write is an interval old (or the interval
   * is 0, or enough cycles wait), else when the interval since the last write is over. A pending
   * retry decides on its own.
   */
  private scheduleFlush(): void {
    if (this.stopped || this.immediate !== null || this.retryTimer !== null) return;
    const sinceWrite = performance.now() - this.lastWriteAt;
    if (this.flushIntervalMs === 0 || sinceWrite >= this.flushIntervalMs || this.queue.length >= this.flushAtCycles) {
      if (this.intervalTimer !== null) clearTimeout(this.intervalTimer);
      this.intervalTimer = null;
      this.immediate = setImmediate(() => {
        this.immediate = null;
        this.writeDue();
      });
    } else if (this.intervalTimer === null) {
      this.intervalTimer = setTimeout(() => {
        this.intervalTimer = null;
        this.writeDue();
      }, Math.max(1, Math.ceil(this.flushIntervalMs - sinceWrite)));
    }
  }

  /** Writes one batch; what is left (more than a transaction's worth) is written on the next turn. */
  private writeDue(): void {
    if (this.writeNextBatch() && this.queue.length > 0) {
      this.immediate = setImmediate(() => {
        this.immediate = null;
        this.writeDue();
      });
    }
  }

  private cancelScheduled(): void {
    if (this.immediate !== null) clearImmediate(this.immediate);
    if (this.intervalTimer !== null) clearTimeout(this.intervalTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.immediate = null;
    this.intervalTimer = null;
    this.retryTimer = null;
  }

  /** Writes one batch. Returns false when the store is unavailable (a retry is scheduled). */
  private writeNextBatch(): boolean {
    if (this.queue.length > 0 && this.options.beforeWrite) {
      try {
        this.options.beforeWrite();
      } catch (error) {
        this.options.logger.error({ err: error }, 'store writer: the beforeWrite callback threw');
      }
    }
    this.reportDrops();
    const batch = this.queue.take(this.maxPerTransaction);
    if (batch.length === 0) return true;
    this.lastWriteAt = performance.now();
    try {
      this.store.recordCycles(batch);
      this.onSuccess(batch.length);
      return true;
    } catch (error) {
      this.failedWrites += 1;
      if (isStoreUnavailableError(error)) {
        this.queue.unshiftAll(batch);
        this.onUnavailable(error, batch.length);
        return false;
      }
      this.writeOneByOne(batch, error);
      return true;
    }
  }

  private writeOneByOne(batch: readonly PollCycle[], batchError: unknown): void {
    this.options.logger.warn({ err: batchError, cycles: batch.length }, 'store refused a batch; writing its cycles one by one to find the bad one');
    let written = 0;
    for (const [index, cycle] of batch.entries()) {
      try {
        this.store.recordCycles([cycle]);
        written += 1;
      } catch (error) {
        if (isStoreUnavailableError(error)) {
          this.queue.unshiftAll(batch.slice(index));
          this.onUnavailable(error, batch.length - index);
          break;
        }
        this.rejected += 1;
        this.lastError = `the store refused a poll cycle of device ${cycle.deviceId}: ${errorMessage(error)}`;
        this.options.logger.error(
          { err: error, deviceId: cycle.deviceId, cycleStartedAt: cycle.startedAt, samples: cycle.samples.length },
          `store refused a poll cycle of device ${cycle.deviceId} (${errorMessage(error)}); it is dropped and counted as rejected. ` +
            `This is a bug in shaftgate or its driver: report it with this log line.`,
        );
      }
    }
    if (written > 0) this.onSuccess(written, false);
  }

  private onSuccess(cycles: number, clearsError = true): void {
    this.written += cycles;
    if (this.retryDelayMs > 0) {
      this.options.logger.info({ failedWrites: this.failedWrites, dropped: this.queue.dropped }, 'store writes work again');
      this.retryDelayMs = 0;
      this.lastErrorLoggedAt = Number.NEGATIVE_INFINITY;
    }
    if (clearsError) this.lastError = null;
    try {
      this.options.onWritten?.(cycles);
    } catch (error) {
      this.options.logger.error({ err: error }, 'store writer: the onWritten callback threw');
    }
  }

  private onUnavailable(error: unknown, cycles: number): void {
    this.retryDelayMs = this.retryDelayMs === 0 ? this.retryMinMs : Math.min(this.retryMaxMs, this.retryDelayMs * 2);
    this.lastError = `cannot write to the store: ${errorMessage(error)} (${storeErrorHint(error)})`;
    const now = performance.now();
    if (now - this.lastErrorLoggedAt >= REPEAT_ERROR_LOG_MS) {
      this.lastErrorLoggedAt = now;
      this.options.logger.error(
        { err: error, waitingCycles: cycles, queued: this.queue.length, dropped: this.queue.dropped, retryInMs: this.retryDelayMs },
        `${this.lastError}. Poll cycles wait in memory (at most ${this.options.maxPendingCycles}, then the oldest are dropped and counted); retrying in ${this.retryDelayMs} ms`,
      );
    }
    if (this.stopped) return;
    this.cancelScheduled();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.writeDue();
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  private reportDrops(): void {
    const dropped = this.queue.dropped;
    if (dropped === this.droppedLogged) return;
    this.options.logger.warn(
      { dropped: dropped - this.droppedLogged, droppedTotal: dropped, maxPendingCycles: this.options.maxPendingCycles },
      `store writer dropped ${dropped - this.droppedLogged} poll cycle(s), oldest first: more than store.maxPendingCycles (${this.options.maxPendingCycles}) were waiting for the store`,
    );
    this.droppedLogged = dropped;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
