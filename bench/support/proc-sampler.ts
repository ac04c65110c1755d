/**
 * CPU and RSS of one process from /proc (Linux): utime + stime of /proc/<pid>/stat in clock ticks,
 * VmRSS of /proc/<pid>/status in kB. Sampled on a timer; a window's CPU % is the ticks spent in it
 * over its wall time (100 % = one core busy), its RSS the average and peak of the samples in it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcSample {
  /** performance.now() of the sample. */
  at: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  rssKb: number;
}

export interface WindowFigures {
  seconds: number;
  samples: number;
  /** Percent of one core. */
  cpuPercent: number;
  rssAvgMiB: number;
  rssPeakMiB: number;
  rssMinMiB: number;
}

export function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

export function readProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return { at: performance.now(), cpuTicks, rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return null; // the process is gone
  }
}

/** VmHWM (peak RSS over the whole life of the process), kB. */
export function readPeakRssKb(pid: number): number | null {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return hwm ? Number(hwm[1]) : null;
  } catch {
    return null;
  }
}

export class ProcSampler {
  readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  sample(): ProcSample | null {
    const sample = readProc(this.pid);
    if (sample) this.samples.push(sample);
    return sample;
  }

  /** Figures for the samples taken in [from, to] (performance.now() times). */
  window(from: number, to: number, ticksPerSecond: number): WindowFigures {
    const inside = this.samples.filter((s) => s.at >= from && s.at <= to);
    if (inside.length < 2) throw new Error(`only ${inside.length} /proc sample(s) in the measured window: did the agent exit?`);
    const first = inside[0]!;
    const last = inside.at(-1)!;
    const seconds = (last.at - first.at) / 1000;
    const mib = (kb: number) => kb / 1024;
    return {
      seconds,
      samples: inside.length,
      cpuPercent: ((last.cpuTicks - first.cpuTicks) / ticksPerSecond / seconds) * 100,
      rssAvgMiB: mib(inside.reduce((n, s) => n + s.rssKb, 0) / inside.length),
      rssPeakMiB: mib(Math.max(...inside.map((s) => s.rssKb))),
      rssMinMiB: mib(Math.min(...inside.map((s) => s.rssKb))),
    };
  }
}
