/**
 * A person on the roster, as the interlocks need them, whatever the source (CSV or YAML file, or a
 * platform roster_update). Cards are strings: the positioning system sends numbers, the platform
 * strings, and a card number is an identifier, not a quantity.
 */
export const PERSON_ROLES = ['leader', 'special_operator', 'worker', 'visitor'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

export const EMPLOYER_TYPES = ['own', 'contractor', 'labour_dispatch'] as const;
export type EmployerType = (typeof EMPLOYER_TYPES)[number];

export interface Person {
  card: string;
  name: string;
  role: PersonRole;
  /** Crew (班组) id; null when the source does not say (the platform roster has no crews). */
  crew: string | null;
  /** Shift id from the roster, when the source gives one; otherwise the shift comes from the entry time. */
  shift: string | null;
  employer: EmployerType;
  /** Safety training valid until this instant (ms, exclusive); null when never trained (measure 35). */
  trainingValidUntil: number | null;
  certificates: string[];
}

/** Training is valid at `at` when it runs until later than that instant. */
export function trainingValidAt(person: Pick<Person, 'trainingValidUntil'>, at: number): boolean {
  return person.trainingValidUntil !== null && at < person.trainingValidUntil;
}
