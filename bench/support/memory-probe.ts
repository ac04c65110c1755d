/**
 * Diagnostics for the footprint benchmark, loaded into the agent process with
 * `node --import <dist>/bench/support/memory-probe.js` (footprint.ts --memory-probe): every 5 s it
 * appends one JSON line to $SHAFTGATE_MEMORY_PROBE with process.memoryUsage() and the V8 heap
 * spaces, so the RSS can be split into V8 heap, array buffers and the rest (native: SQLite, code).
 * It changes nothing in the agent; its own cost is one small write every 5 s.
 */
import { appendFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const path = process.env.SHAFTGATE_MEMORY_PROBE;
if (path) {
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    const heap = getHeapStatistics();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { used: s.space_used_size, size: s.space_size }]));
    appendFileSync(path, `${JSON.stringify({ at: Date.now(), memory, heap: { total: heap.total_heap_size, used: heap.used_heap_size, limit: heap.heap_size_limit, malloced: heap.malloced_memory, peakMalloced: heap.peak_malloced_memory, external: heap.external_memory }, spaces })}\n`);
  }, 5000);
  timer.unref();
}
