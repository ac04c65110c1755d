/** Picks the driver for a device's transport. A new transport is one folder and one case here. */
import type { DeviceConfig } from '../config/schema.js';
import type { Clock } from '../agent/model/clock.js';
import type { Logger } from '../agent/runtime/logger.js';
import type { Driver } from './driver.js';
import { ModbusTcpDriver } from './modbus/tcp/tcp-driver.js';
import { ModbusRtuDriver } from './modbus/rtu/rtu-driver.js';
import { PositioningDriver } from './positioning/positioning-driver.js';
import { SerialLineDriver } from './serial/serial-line-driver.js';
import type { SerialPortRegistry } from './serial/serial-port-registry.js';

/**
 * `serialPorts` is one registry for the whole config (new SerialPortRegistry(config.serialPorts, …)):
 * RTU slaves on the same port must share its one bus.
 */
export function createDriver(device: DeviceConfig, clock: Clock, logger: Logger, serialPorts?: SerialPortRegistry): Driver {
  switch (device.transport) {
    case 'modbus-tcp':
      // A personnel-positioning substation with a `positioning` block: events and card table too.
      if (device.positioning) return new PositioningDriver({ ...device, positioning: device.positioning }, clock, logger.child({ device: device.id }));
      return new ModbusTcpDriver(device, clock, logger.child({ device: device.id }));
    case 'modbus-rtu':
      return new ModbusRtuDriver(device, requireRegistry(device.id, serialPorts).rtuBus(device.serialPort), clock, logger.child({ device: device.id }));
    case 'serial-line':
      return new SerialLineDriver(device, requireRegistry(device.id, serialPorts).exclusiveConnection(device.serialPort), clock, logger.child({ device: device.id }));
  }
}

function requireRegistry(deviceId: string, serialPorts: SerialPortRegistry | undefined): SerialPortRegistry {
  if (!serialPorts) throw new Error(`device ${deviceId} is on a serial port, but no serial port registry was given to createDriver`);
  return serialPorts;
}
