/**
 * "Did you mean …?" for typos in keys and enum values (`pollIntervall` → `pollIntervalMs`).
 */

/** Optimal string alignment distance: edits, with a swap of two neighbours counting as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i];
    if (row === undefined) continue;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

/**
 * The candidate most likely meant by `word`, or undefined when none is close enough to be a typo.
 * Case is ignored (`pollintervalms`); the allowed distance grows with the length, so short words
 * only match near-identical candidates instead of anything of similar length.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const needle = word.toLowerCase();
  const tolerance = Math.max(1, Math.floor(needle.length / 4));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance <= tolerance && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
