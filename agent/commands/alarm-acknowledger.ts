/**
 * How a platform acknowledgement reaches the alarm system. There is no alarm system yet, so the
 * agent uses NoAlarms, which knows no alarm and answers unknown_alarm. The alarms issue plugs in
 * its own implementation.
 */
export type AcknowledgeOutcome = { ok: true; result: Record<string, unknown> } | { ok: false; reason: 'unknown_alarm'; detail: string };

export interface AlarmAcknowledger {
  /** Must be synchronous and must not throw for an unknown alarm (answer unknown_alarm). */
  acknowledge(request: { alarmId: string; by: string; note?: string | undefined; commandId: string; now: number }): AcknowledgeOutcome;
}

export class NoAlarms implements AlarmAcknowledger {
  acknowledge(request: { alarmId: string }): AcknowledgeOutcome {
    return { ok: false, reason: 'unknown_alarm', detail: `alarm "${request.alarmId}" is not known on this gateway` };
  }
}
