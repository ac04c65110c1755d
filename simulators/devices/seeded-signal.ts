/**
 * Deterministic "field-like" signals: a value is a pure function of (seed, channel, time), so two
 * runs with the same seed and the same clock serve the same values, a test can predict them, and
 * nothing here reads the wall clock or keeps state.
 */

/** 32-bit integer hash (the murmur3 finalizer over a mix of the inputs) → [0, 1). */
export function hash01(seed: number, channel: number, step: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(channel + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(step | 0, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** Smooth noise in [-1, 1]: random knots every `stepMs`, interpolated with a smoothstep between them. */
export function valueNoise(seed: number, channel: number, nowMs: number, stepMs: number): number {
  const position = nowMs / stepMs;
  const step = Math.floor(position);
  const fraction = position - step;
  const eased = fraction * fraction * (3 - 2 * fraction);
  const from = hash01(seed, channel, step);
  const to = hash01(seed, channel, step + 1);
  return (from + (to - from) * eased) * 2 - 1;
}

/**
 * Slow drift in [-1, 1]: two sine waves with periods of about 20–40 minutes and 2–4 hours, whose
 * periods and phases come from the seed — the shift-long swings of ventilation and barometric pressure.
 */
export function slowDrift(seed: number, channel: number, nowMs: number): number {
  const minute = 60_000;
  const fastPeriod = (20 + 20 * hash01(seed, channel, -1)) * minute;
  const slowPeriod = (120 + 120 * hash01(seed, channel, -2)) * minute;
  const fastPhase = 2 * Math.PI * hash01(seed, channel, -3);
  const slowPhase = 2 * Math.PI * hash01(seed, channel, -4);
  return (
    0.4 * Math.sin((2 * Math.PI * nowMs) / fastPeriod + fastPhase) + 0.6 * Math.sin((2 * Math.PI * nowMs) / slowPeriod + slowPhase)
  );
}

/**
 * A reading inside [low, high]: mostly slow drift, some seconds-scale wander, a little jitter.
 * The weights sum to 1, so the result never leaves the band.
 */
export function fieldSignal(seed: number, channel: number, nowMs: number, low: number, high: number): number {
  const unit = 0.33 * slowDrift(seed, channel, nowMs) + 0.15 * valueNoise(seed, channel, nowMs, 15_000) + 0.02 * valueNoise(seed, channel + 1000, nowMs, 1000);
  return low + (high - low) * (0.5 + unit);
}
