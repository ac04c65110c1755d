/**
 * What the headcount takes from the personnel-positioning driver: the types of
 * agent/model/positioning.ts (the driver's contract), plus the snapshot as the headcount applies it
 * — only a card table read completely (a PositioningRead with `cards: null` is not a snapshot).
 */
import type { CardReading } from '../model/positioning.js';

export type { CardReading, PositionEvent as PositioningEvent, PositionEventKind as PositioningEventKind } from '../model/positioning.js';

export interface PositioningSnapshot {
  /** When the card table was read. */
  readAt: number;
  cards: readonly CardReading[];
}
