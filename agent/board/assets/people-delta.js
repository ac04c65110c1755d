// Merges a live patch into the snapshot the page holds: every part of the snapshot comes whole in
// the patch except the people list, which comes as the cards to drop and the people to add or
// replace (agent/board/people-delta.ts builds it; the unit tests run both over the same changes).
// The table sorts itself, so the order of the list does not matter.

/** The new snapshot: `patch` with `people` rebuilt from `current.people` and `patch.peopleDelta`. */
export function applyPatch(current, patch) {
  const { peopleDelta, ...rest } = patch;
  const byCard = new Map(current.people.map((person) => [person.card, person]));
  for (const card of peopleDelta.remove) byCard.delete(card);
  for (const person of peopleDelta.upsert) byCard.set(person.card, person);
  return { ...rest, people: [...byCard.values()] };
}
