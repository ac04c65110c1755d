/** What the headcount reports as it applies positioning data: movements and anomalies, as events. */
export type HeadcountEvent =
  | { type: 'entered'; card: string; at: number; seq: number }
  | { type: 'exited'; card: string; at: number; seq: number | null; inferred: boolean }
  | { type: 'entry_while_underground'; card: string; at: number; seq: number }
  | { type: 'exit_without_entry'; card: string; at: number; seq: number }
  /** Counted since an earlier card table found the card; reported once a later table still has no entry event for it. */
  | { type: 'seen_underground_without_entry'; card: string; at: number; zone: number }
  | { type: 'events_missed'; fromSeq: number; toSeq: number; at: number }
  | { type: 'missing_from_snapshot'; card: string; at: number }
  | { type: 'no_signal'; card: string; at: number; lastSeenAt: number | null }
  | { type: 'overtime'; card: string; at: number; shiftEndedAt: number }
  | { type: 'emergency_call'; card: string; at: number; active: boolean };

export type HeadcountEventType = HeadcountEvent['type'];
