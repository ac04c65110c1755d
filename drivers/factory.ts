/** Picks the driver for a device's transport. A new transport is one folder and one case here. */
import type { DeviceConfig } from '../config/schema.js';
import type { Clock } from '../agent/model/clock.js';
import type { Logger } from '../agent/runtime/logger.js';
import type { Driver } from './driver.js';
import { ModbusTcpDriver } from './modbus/tcp/tcp-driver.js';

export function createDriver(device: DeviceConfig, clock: Clock, logger: Logger): Driver {
  switch (device.transport) {
    case 'modbus-tcp':
      return new ModbusTcpDriver(device, clock, logger.child({ device: device.id }));
  }
}
