/**
 * Simulated communication system (通信联络). Map: communication-map.ts. Records every activation of
 * the emergency-broadcast trigger (time, running count) so a test can read back exactly what the
 * agent did, in order. Pin `line_ok` false and one line is shown down.
 */
import { COMMUNICATION_LINES_TOTAL, COMMUNICATION_MAP } from './communication-map.js';
import { MappedDevice, type DeviceContext, type PointValue } from './mapped-device.js';
import type { MapEntry } from './register-map.js';

export interface BroadcastActivation {
  /** Injected-clock time of the 0→1 write. */
  at: number;
  /** 1 for the first activation since power-up. */
  count: number;
}

/** Activations kept for read-back; older ones are dropped (the count keeps going). */
const MAX_KEPT_ACTIVATIONS = 1000;

export class CommunicationSystem extends MappedDevice {
  private readonly kept: BroadcastActivation[] = [];
  private activationCount = 0;
  private lastActivationAt = 0;

  constructor(context: DeviceContext) {
    super(COMMUNICATION_MAP, context);
  }

  /** Every activation still kept, oldest first. */
  activations(): readonly BroadcastActivation[] {
    return this.kept;
  }

  get totalActivations(): number {
    return this.activationCount;
  }

  protected simulate(): ReadonlyMap<string, PointValue> {
    const lineOk = this.pinned('line_ok') !== false;
    return new Map<string, PointValue>([
      ['line_ok', lineOk],
      ['broadcast_system_ok', true],
      ['broadcast_active', this.image.getBit('coil', 0)],
      ['exchange_ok', true],
      ['lines_total', COMMUNICATION_LINES_TOTAL],
      ['lines_ok', lineOk ? COMMUNICATION_LINES_TOTAL : COMMUNICATION_LINES_TOTAL - 1],
      ['broadcast_activations', this.activationCount & 0xffff],
      ['last_broadcast_at', Math.floor(this.lastActivationAt / 1000)],
    ]);
  }

  protected override afterWrite(entry: MapEntry, value: PointValue, previous: PointValue): void {
    if (entry.id !== 'emergency_broadcast' || value !== true || previous === true) return;
    this.activationCount++;
    this.lastActivationAt = this.clock.now();
    this.kept.push({ at: this.lastActivationAt, count: this.activationCount });
    if (this.kept.length > MAX_KEPT_ACTIVATIONS) this.kept.shift();
  }
}
