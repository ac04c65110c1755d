// Types of the page's merge (people-delta.js), for the unit tests that run it against the server's diff.
export interface PeopleDeltaPatch {
  peopleDelta: { upsert: ReadonlyArray<{ card: string }>; remove: readonly string[] };
  [field: string]: unknown;
}
export function applyPatch<S extends { people: ReadonlyArray<{ card: string }> }>(current: S, patch: PeopleDeltaPatch): S;
