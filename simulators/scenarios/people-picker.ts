/**
 * Chooses the people a scenario step moves: a seeded pick from the roster by role, crew, employer
 * and training state. By default only people allowed underground are picked (trained, not labour
 * dispatch), so a scenario about quotas never trips the eligibility rules by accident.
 */
import type { Prng } from '../devices/prng.js';
import { trainingValidOn, type Person } from '../data/roster.js';
import type { z } from 'zod';
import type { peopleSchema } from './schema.js';

export type PeopleSelection = z.infer<typeof peopleSchema>;

export function pickPeople(roster: readonly Person[], selection: PeopleSelection, available: (card: number) => boolean, date: string, prng: Prng): Person[] {
  if ('cards' in selection) {
    return selection.cards.map((card) => {
      const person = roster.find((p) => p.card === card);
      if (!person) throw new Error(`card ${card} is not in the roster`);
      return person;
    });
  }
  const training = selection.training ?? 'valid';
  const matches = roster.filter(
    (p) =>
      available(p.card) &&
      (selection.role ? p.role === selection.role : p.role !== 'leader') &&
      (selection.crew === undefined || p.crew === selection.crew) &&
      (selection.employer ? p.employerType === selection.employer : p.employerType !== 'labour_dispatch') &&
      trainingState(p, date) === training,
  );
  if (matches.length < selection.count) {
    throw new Error(`a step wants ${selection.count} people matching ${JSON.stringify(selection)} but only ${matches.length} are available`);
  }
  // Pick in roster order after a seeded shuffle, then restore roster order: stable logs, random choice.
  return prng.shuffle(matches).slice(0, selection.count).sort((a, b) => a.card - b.card);
}

function trainingState(person: Person, date: string): 'valid' | 'expired' | 'missing' {
  if (person.trainingValidUntil === null) return 'missing';
  return trainingValidOn(person, date) ? 'valid' : 'expired';
}
