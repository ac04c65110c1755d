/**
 * Bench-only: wraps a private synchronous method of an object to add up the time spent in it.
 * Reaches past `private` on purpose (the agent exposes no such figure; nothing else must).
 */
export interface MethodMeter {
  calls: number;
  ms: number;
  times: number[];
  reset(): void;
}

export function meterMethod(target: object, method: string): MethodMeter {
  const holder = target as Record<string, (...args: unknown[]) => unknown>;
  const original = holder[method]!.bind(target);
  const m: MethodMeter = {
    calls: 0,
    ms: 0,
    times: [],
    reset() {
      m.calls = 0;
      m.ms = 0;
      m.times = [];
    },
  };
  holder[method] = (...args: unknown[]) => {
    const began = performance.now();
    try {
      return original(...args);
    } finally {
      const took = performance.now() - began;
      m.calls++;
      m.ms += took;
      m.times.push(took);
    }
  };
  return m;
}
