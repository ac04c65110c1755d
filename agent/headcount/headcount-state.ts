/**
 * The headcount's state as plain data: who is underground, since when, where last heard, and what
 * was true when they went down. JSON-serializable so the agent can persist it and reconcile it with
 * the next snapshot after a restart (a person not seen leaving is still underground).
 */

/** The permit in force when a card passed the entry reader, stamped by the interlock engine. */
export interface EntryStamp {
  permitted: boolean;
  banned: boolean;
  /** Reason codes of the withdrawn permit, e.g. ["quota:mine"]. */
  reasons: string[];
}

export interface UndergroundPerson {
  card: string;
  /** When the card passed the entry reader; null when it was found underground without an entry. */
  enteredAt: number | null;
  entrySeq: number | null;
  /** How we learned the person is underground. */
  origin: 'entry' | 'snapshot';
  /** People underground just before this entry (quota at entry time). */
  countBefore: number;
  /** The permit in force at entry; null when unknown (entry before the engine's first decision). */
  stamp: EntryStamp | null;
  /** The card entered again while already underground (passback, or a missed exit). */
  reentered: boolean;
  zone: number | null;
  lastSeenAt: number | null;
  emergencyCall: boolean;
  /** Anomalies already reported for this stay, so each is one event, not one per poll. */
  reported: { noSignal: boolean; overtime: boolean };
  /**
   * Set while a person the card table found underground (origin 'snapshot') waits for an entry
   * event. The driver reads the event FIFO before the card table, so someone passing the entry
   * reader between the two reads shows in the table first and their entry event comes with the next
   * read: an entry event stamped no later than `heardBy` (plus clock skew) is the entry that put the
   * card there, not a re-entry. Absent in state saved before this field existed (no such window).
   */
  awaitingEntry?: {
    /** The card's last-seen time in that table (substation clock, as event times); its read time if never heard. */
    heardBy: number;
    /** `seen_underground_without_entry` was reported (a later card table still had no entry for it). */
    reported: boolean;
  };
}

export interface HeadcountState {
  version: 1;
  underground: Record<string, UndergroundPerson>;
  /** Newest event seq applied; 0 = none yet. */
  lastEventSeq: number;
  /** When the last snapshot was applied; null = none since start (the count is then unconfirmed). */
  lastSnapshotAt: number | null;
  /** Last exit per card, so a stale card-table row cannot bring a person back underground. */
  lastExitAt: Record<string, number>;
  /**
   * Cards the card table took off (seen at the exit reader after their entry) → their last-seen
   * time then. The exit event of someone who passed the exit reader between the FIFO read and the
   * card-table read comes with the next read: an exit event up to that time (plus clock skew) is
   * that same exit, not an exit without entry. Cleared by the card's next entry.
   */
  tableExitAt: Record<string, number>;
}

export function emptyHeadcountState(): HeadcountState {
  return { version: 1, underground: {}, lastEventSeq: 0, lastSnapshotAt: null, lastExitAt: {}, tableExitAt: {} };
}

/** Reads persisted state; anything unreadable is an error for the caller to report (never "nobody underground"). */
export function parseHeadcountState(json: string): HeadcountState {
  const value = JSON.parse(json) as Partial<HeadcountState> | null;
  if (value === null || typeof value !== 'object' || value.version !== 1 || typeof value.underground !== 'object' || value.underground === null) {
    throw new Error('persisted headcount state is not version 1 headcount data');
  }
  return {
    version: 1,
    underground: value.underground,
    lastEventSeq: typeof value.lastEventSeq === 'number' ? value.lastEventSeq : 0,
    // After a restart the count must be confirmed by a fresh snapshot first.
    lastSnapshotAt: null,
    lastExitAt: value.lastExitAt ?? {},
    // Absent in state saved before it existed.
    tableExitAt: value.tableExitAt ?? {},
  };
}
