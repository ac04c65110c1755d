/**
 * The roster in memory: card → person. Replaced whole when a new roster arrives (file at start,
 * platform roster_update later); never edited in place, so a rule evaluation sees one version.
 */
import type { Roster as PlatformRoster } from '../commands/runtime-settings-data.js';
import type { Person } from './person.js';

export class Roster {
  private readonly byCard: ReadonlyMap<string, Person>;

  constructor(
    people: readonly Person[],
    /** Where it came from, e.g. "file roster.csv" or "platform v7": shown when a card is unknown. */
    readonly source: string,
  ) {
    this.byCard = new Map(people.map((person) => [person.card, person]));
  }

  get(card: string): Person | undefined {
    return this.byCard.get(card);
  }

  get size(): number {
    return this.byCard.size;
  }

  people(): IterableIterator<Person> {
    return this.byCard.values();
  }
}

/**
 * A platform roster (runtime setting) as people. The platform sends no crews and no certificates;
 * its roles are worker / leader / visitor and its employment direct / dispatch.
 */
export function rosterFromPlatform(roster: PlatformRoster): Roster {
  const people: Person[] = roster.people.map((p) => ({
    card: p.cardId,
    name: p.name,
    role: p.role,
    crew: null,
    shift: p.shift ?? null,
    employer: p.employment === 'dispatch' ? 'labour_dispatch' : 'own',
    trainingValidUntil: p.trainingValidUntil,
    certificates: [],
  }));
  return new Roster(people, `platform roster v${roster.version}`);
}
