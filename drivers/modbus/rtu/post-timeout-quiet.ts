/**
 * RTU frames carry no transaction id: an answer that arrives after its request timed out looks
 * exactly like the answer to the next request with the same function and length. So after a slave
 * times out it is not asked again until a quiet period has passed (the input is flushed before it
 * is asked), and bytes that arrive meanwhile are someone's late answer — discarded and counted
 * against that slave, never decoded.
 *
 * Only the slave that timed out waits; the other slaves on the line go on being asked. A late answer
 * that lands during another slave's exchange is rejected there by its wrong address (RtuFrameError).
 *
 * Pure bookkeeping on monotonic milliseconds: the SerialBus owns the timers and the wire.
 */
export class PostTimeoutQuiet {
  /** Slave address → monotonic time before which it is not asked again. */
  private readonly quietUntil = new Map<number, number>();
  /** Slaves whose quiet period is over but whose stale input has not been flushed yet. */
  private readonly flushPending = new Set<number>();
  private readonly lateAnswersByUnit = new Map<number, number>();
  private lastTimedOut: number | null = null;
  private strayBurstAttributed = false;
  /** Requests that waited for their slave's quiet period to end. */
  waits = 0;

  /** `unitId` just timed out: keep it quiet for `quietMs`. */
  start(unitId: number, now: number, quietMs: number): void {
    this.quietUntil.set(unitId, now + Math.max(0, quietMs));
    this.flushPending.add(unitId);
    this.lastTimedOut = unitId;
    this.strayBurstAttributed = false;
  }

  isQuiet(unitId: number, now: number): boolean {
    const until = this.quietUntil.get(unitId);
    if (until === undefined) return false;
    if (now < until) return true;
    this.quietUntil.delete(unitId);
    return false;
  }

  /** The earliest time one of `unitIds` may be asked again, or null when none of them is quiet. */
  earliestEnd(unitIds: Iterable<number>): number | null {
    let earliest: number | null = null;
    for (const unitId of unitIds) {
      const until = this.quietUntil.get(unitId);
      if (until !== undefined && (earliest === null || until < earliest)) earliest = until;
    }
    return earliest;
  }

  /** True once for a slave whose quiet period ended: flush the input before asking it. */
  takeFlush(unitId: number): boolean {
    return this.flushPending.delete(unitId);
  }

  /** A new exchange started: stray bytes from now on are a new burst. */
  exchangeStarted(): void {
    this.strayBurstAttributed = false;
  }

  /**
   * Bytes arrived while no request was outstanding. The first burst while the slave that last timed
   * out is still quiet counts as its late answer.
   */
  strayBytes(now: number): void {
    if (this.strayBurstAttributed || this.lastTimedOut === null) return;
    const until = this.quietUntil.get(this.lastTimedOut);
    if (until === undefined || now >= until) return;
    this.strayBurstAttributed = true;
    this.lateAnswersByUnit.set(this.lastTimedOut, (this.lateAnswersByUnit.get(this.lastTimedOut) ?? 0) + 1);
  }

  lateAnswersFrom(unitId: number): number {
    return this.lateAnswersByUnit.get(unitId) ?? 0;
  }

  get lateAnswers(): number {
    let total = 0;
    for (const count of this.lateAnswersByUnit.values()) total += count;
    return total;
  }
}
