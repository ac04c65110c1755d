/**
 * Runs each device's poll at a fixed rate. Devices are independent: each has its own loop, so a slow
 * or dead device only delays itself. A cycle that overruns its interval skips the missed slots
 * (counted) instead of queueing them up. Results go to `onCycle` synchronously — consumers must not
 * block (state update and interlocks are in-memory; the store has its own bounded queue).
 */
import type { Clock } from '../model/clock.js';
import type { PollCycle } from '../model/sample.js';
import type { Logger } from '../runtime/logger.js';
import { producesPollCycles, type Driver } from '../../drivers/driver.js';

export interface ScheduledDevice {
  driver: Driver;
  pollIntervalMs: number;
}

export interface DeviceScheduleStats {
  deviceId: string;
  pollIntervalMs: number;
  cycles: number;
  /** Slots skipped because the previous cycle was still running. */
  missedSlots: number;
  lastCycleStartedAt: number | null;
  lastCycleDurationMs: number | null;
  polling: boolean;
}

interface DeviceLoop {
  device: ScheduledDevice;
  stats: DeviceScheduleStats;
  timer: NodeJS.Timeout | null;
  inFlight: Promise<void> | null;
  /** Monotonic time of the next slot. */
  nextSlot: number;
  /** The timer callback, made once per device rather than once per cycle. */
  fire: () => void;
}

export interface PollSchedulerOptions {
  devices: readonly ScheduledDevice[];
  clock: Clock;
  logger: Logger;
  onCycle: (cycle: PollCycle) => void;
}

export class PollScheduler {
  private readonly loops: DeviceLoop[];
  private running = false;
  /** Monotonic time the scheduler last finished any cycle: the watchdog's proof of life. */
  private lastProgress: number;

  constructor(private readonly options: PollSchedulerOptions) {
    this.loops = options.devices.map((device) => {
      const loop: DeviceLoop = {
        device,
        stats: {
          deviceId: device.driver.deviceId,
          pollIntervalMs: device.pollIntervalMs,
          cycles: 0,
          missedSlots: 0,
          lastCycleStartedAt: null,
          lastCycleDurationMs: null,
          polling: false,
        },
        timer: null,
        inFlight: null,
        nextSlot: 0,
        fire: () => {
          loop.timer = null;
          const cycle = this.runCycle(loop);
          // Still polling unless the cycle ended synchronously (a driver that threw at once).
          if (loop.stats.polling) loop.inFlight = cycle;
        },
      };
      return loop;
    });
    this.lastProgress = options.clock.monotonic();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.options.clock.monotonic();
    // Stagger the first polls across a short window so devices do not all fire in the same tick.
    this.loops.forEach((loop, index) => {
      const stagger = Math.min(loop.device.pollIntervalMs, 100) * (index / Math.max(1, this.loops.length));
      loop.nextSlot = now + stagger;
      this.arm(loop);
    });
  }

  /** Stops scheduling and waits (up to `deadlineMs`) for polls already on the wire to finish. */
  async stop(deadlineMs: number): Promise<void> {
    this.running = false;
    for (const loop of this.loops) {
      if (loop.timer) clearTimeout(loop.timer);
      loop.timer = null;
    }
    const inFlight = this.loops.map((loop) => loop.inFlight).filter((p): p is Promise<void> => p !== null);
    if (inFlight.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    await Promise.race([Promise.all(inFlight), timeout]);
    clearTimeout(timer);
  }

  stats(): DeviceScheduleStats[] {
    return this.loops.map((loop) => ({ ...loop.stats }));
  }

  /** Milliseconds since any device last completed a cycle. */
  sinceLastProgressMs(): number {
    return this.options.clock.monotonic() - this.lastProgress;
  }

  private arm(loop: DeviceLoop): void {
    if (!this.running) return;
    const delay = Math.max(0, loop.nextSlot - this.options.clock.monotonic());
    loop.timer = setTimeout(loop.fire, delay);
  }

  private async runCycle(loop: DeviceLoop): Promise<void> {
    const { clock, logger } = this.options;
    const startedMono = clock.monotonic();
    const startedAt = clock.now();
    loop.stats.polling = true;
    loop.stats.lastCycleStartedAt = startedAt;
    try {
      const driver = loop.device.driver;
      const cycle: PollCycle = producesPollCycles(driver)
        ? await driver.pollCycle()
        : { deviceId: driver.deviceId, startedAt, finishedAt: 0, samples: await driver.poll() };
      if (cycle.finishedAt === 0) cycle.finishedAt = clock.now();
      try {
        this.options.onCycle(cycle);
      } catch (error) {
        logger.error({ err: error, device: cycle.deviceId }, 'a consumer of poll results failed; the cycle was still counted');
      }
    } catch (error) {
      // Drivers promise never to throw; if one does, keep the loop alive and say so loudly.
      logger.error({ err: error, device: loop.device.driver.deviceId }, 'driver poll threw (a bug); polling continues');
    } finally {
      loop.inFlight = null;
      const finishedMono = clock.monotonic();
      loop.stats.polling = false;
      loop.stats.cycles++;
      loop.stats.lastCycleDurationMs = Math.round((finishedMono - startedMono) * 1000) / 1000;
      this.lastProgress = finishedMono;
      this.scheduleNext(loop, finishedMono);
    }
  }

  private scheduleNext(loop: DeviceLoop, now: number): void {
    const interval = loop.device.pollIntervalMs;
    loop.nextSlot += interval;
    if (loop.nextSlot <= now) {
      const missed = Math.floor((now - loop.nextSlot) / interval) + 1;
      loop.stats.missedSlots += missed;
      loop.nextSlot += missed * interval;
    }
    this.arm(loop);
  }
}
