/**
 * What every rule reads and returns. A rule is a pure function of (snapshot, its config, now) →
 * findings: no I/O, no timers, no clock of its own, no state between calls other than what the
 * snapshot carries (the conditions active at the previous evaluation, for hysteresis).
 */
import type { Severity } from '../../config/rules-schema.js';
import type { WeatherAlert } from '../commands/runtime-settings-data.js';
import type { HeadcountView, PersonUnderground } from '../headcount/headcount-view.js';
import type { Quality, SampleValue } from '../model/sample.js';
import type { MineLayout } from '../people/mine-layout.js';
import type { QuotaScope } from '../commands/runtime-settings-data.js';

export interface Bilingual {
  zh: string;
  en: string;
}

/** A person a finding names. */
export interface PersonRef {
  card: string;
  /** null: the card is not on the roster. */
  name: string | null;
  location: string | null;
}

export interface Finding {
  /** Stable per condition, e.g. "quota:mine", "quota:area:east", "ineligible:card:100234". */
  key: string;
  /** The alarm kind, e.g. "over_quota" (scenario expectations and alarm outputs name kinds). */
  kind: string;
  severity: Severity;
  message: Bilingual;
  people: PersonRef[];
  /** Becomes an alarm (else it only affects the permit or the board). */
  alarm: boolean;
  /** The entry permit is withdrawn while this holds; the message is the reason. */
  withdrawsPermit: boolean;
  /** An entry ban (weather, manual): lights the ban lamp and makes entries violations. */
  ban: boolean;
  /** The condition must hold this long before it takes effect (ISA-18.2 on-delay). */
  onDelayMs: number;
  details: Record<string, string | number | boolean | null>;
}

export type Rule<C> = (snapshot: RuleSnapshot, config: C, now: number) => Finding[];

/** A quota in force: from the config, or from the platform (which wins for the same scope and target). */
export interface EffectiveQuota {
  scope: QuotaScope;
  target: string | null;
  limit: number;
  source: 'config' | 'platform';
}

export interface EffectiveSuspension {
  orderRef: string;
  maxPerShift: number | null;
  maxPerWorkLocation: number;
  source: 'config' | 'platform';
}

export interface ManualBan {
  by: string;
  since: number;
  note: string | null;
}

export interface PointReading {
  value: SampleValue;
  quality: Quality;
  /** Time of the last good value; null when never read good. */
  lastGoodAt: number | null;
}

export interface DeviceHealth {
  deviceId: string;
  system: string;
  pollIntervalMs: number;
  /** The last cycle with a good answer; null when never. */
  lastGoodAt: number | null;
}

export interface AgentHealth {
  healthy: boolean;
  /** Why not, e.g. "poll loop stalled"; shown with the withdrawn permit. */
  problems: string[];
}

export interface RuleSnapshot {
  headcount: HeadcountView;
  /** False until a positioning snapshot confirmed the count since start: the count is not to be trusted yet. */
  headcountConfirmed: boolean;
  layout: MineLayout;
  quotas: readonly EffectiveQuota[];
  suspension: EffectiveSuspension | null;
  weatherAlerts: readonly WeatherAlert[];
  manualBan: ManualBan | null;
  /** Point values by pointKey(device, point), with staleness already judged. */
  points: ReadonlyMap<string, PointReading>;
  devices: readonly DeviceHealth[];
  agent: AgentHealth;
  /** Conditions in effect at the previous evaluation (after on-delay): hysteresis reads them. */
  activeKeys: ReadonlySet<string>;
}

export const pointKey = (device: string, point: string): string => `${device}/${point}`;

/** A finding with the defaults filled in. */
export function finding(fields: Pick<Finding, 'key' | 'kind' | 'severity' | 'message'> & Partial<Finding>): Finding {
  return { people: [], alarm: true, withdrawsPermit: false, ban: false, onDelayMs: 0, details: {}, ...fields };
}

export function personRef(entry: PersonUnderground, layout: MineLayout): PersonRef {
  const place = entry.place;
  const location = place === null ? null : place.workLocation ? layout.nameOf(place.workLocation) : place.zoneName;
  return { card: entry.record.card, name: entry.person?.name ?? null, location };
}

/**
 * "张三(100234)" or "卡100234(未登记)" / "card 100234 (not on roster)".
 *
 * Lazy: rules describe every person underground at every decision but use the text only for the
 * few who have a finding, so each language is built when first read (then kept). Read `.zh` and
 * `.en` (templates, JSON.stringify); it is not a plain object, so do not spread it.
 */
export function describePerson(ref: PersonRef): Bilingual {
  return new PersonDescription(ref.name, ref.card);
}

class PersonDescription implements Bilingual {
  private zhText: string | undefined;
  private enText: string | undefined;

  constructor(
    private readonly name: string | null,
    private readonly card: string,
  ) {}

  get zh(): string {
    return (this.zhText ??= this.name === null ? `卡${this.card}(未登记)` : `${this.name}(${this.card})`);
  }

  get en(): string {
    return (this.enText ??= this.name === null ? `card ${this.card} (not on the roster)` : `${this.name} (${this.card})`);
  }

  toJSON(): Bilingual {
    return { zh: this.zh, en: this.en };
  }
}

/** Names for a message, at most `limit` of them: the finding's `people` has everyone. */
export function listPeople(refs: readonly PersonRef[], limit = 5): Bilingual {
  const shown = refs.slice(0, limit).map(describePerson);
  const more = refs.length - shown.length;
  return {
    zh: shown.map((s) => s.zh).join('、') + (more > 0 ? ` 等${refs.length}人` : ''),
    en: shown.map((s) => s.en).join(', ') + (more > 0 ? ` and ${more} more` : ''),
  };
}
