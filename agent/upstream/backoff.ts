/**
 * Reconnect delay: capped exponential backoff with full jitter, floored at the minimum.
 * After n failed attempts the delay is uniform in [minMs, min(maxMs, minMs × 2^n)], so a fleet of
 * gateways that lost the broker together does not hammer it in lockstep when it comes back.
 */
export function reconnectDelayMs(failures: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.max(minMs, Math.min(maxMs, minMs * 2 ** Math.min(failures, 30)));
  return Math.round(minMs + random() * (ceiling - minMs));
}
