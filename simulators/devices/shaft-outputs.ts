/**
 * Simulated shaft-head output module (井口输出). Map: shaft-outputs-map.ts. Keeps a history of every
 * change of an output so a test reads back what the agent switched and when.
 */
import { MappedDevice, type DeviceContext, type PointValue } from './mapped-device.js';
import type { MapEntry } from './register-map.js';
import { SHAFT_OUTPUTS_MAP } from './shaft-outputs-map.js';

export interface OutputChange {
  at: number;
  id: string;
  on: boolean;
}

const MAX_KEPT_CHANGES = 1000;

export class ShaftOutputs extends MappedDevice {
  private readonly kept: OutputChange[] = [];
  private changeCount = 0;

  constructor(context: DeviceContext) {
    super(SHAFT_OUTPUTS_MAP, context);
  }

  /** Output changes still kept, oldest first (a write of the value already set is not a change). */
  changes(): readonly OutputChange[] {
    return this.kept;
  }

  protected simulate(): ReadonlyMap<string, PointValue> {
    return new Map([['coil_writes', this.changeCount & 0xffff]]);
  }

  protected override afterWrite(entry: MapEntry, value: PointValue, previous: PointValue): void {
    if (value === previous) return;
    this.changeCount++;
    this.kept.push({ at: this.clock.now(), id: entry.id, on: value === true });
    if (this.kept.length > MAX_KEPT_CHANGES) this.kept.shift();
  }
}
