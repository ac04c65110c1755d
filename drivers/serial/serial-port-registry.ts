/**
 * One SerialConnection per configured serial port, and for Modbus RTU one SerialBus on top of it,
 * shared by every slave on that port. Built from the config's serialPorts; devices look their port
 * up by id. Whoever builds the drivers owns one registry (see drivers/factory.ts).
 */
import type { SerialPortConfig } from '../../config/schema.js';
import type { Clock } from '../../agent/model/clock.js';
import type { Logger } from '../../agent/runtime/logger.js';
import { SerialBus } from '../modbus/rtu/serial-bus.js';
import { SerialConnection, type SerialConnectionOptions } from './serial-connection.js';

export interface SerialPortRegistryOptions {
  reopenMinMs?: number;
  reopenMaxMs?: number;
}

export class SerialPortRegistry {
  private readonly configs = new Map<string, SerialPortConfig>();
  private readonly connections = new Map<string, SerialConnection>();
  private readonly buses = new Map<string, SerialBus>();

  constructor(
    ports: readonly SerialPortConfig[],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: SerialPortRegistryOptions = {},
  ) {
    for (const port of ports) this.configs.set(port.id, port);
  }

  /** The RTU bus of a port, created on first use; every slave on the port gets the same one. */
  rtuBus(portId: string): SerialBus {
    const existing = this.buses.get(portId);
    if (existing) return existing;
    const config = this.config(portId);
    const bus = new SerialBus(this.connection(portId), config, {
      clock: this.clock,
      logger: this.logger.child({ port: portId }),
      interFrameGapMs: config.interFrameGapMs,
      queueLimit: config.queueLimit,
    });
    this.buses.set(portId, bus);
    return bus;
  }

  /** The raw connection of a port, for a driver that has the port to itself (serial-line). */
  exclusiveConnection(portId: string): SerialConnection {
    if (this.connections.has(portId)) throw new Error(`serial port "${portId}" is already in use by another device; a serial-line device needs its port to itself`);
    return this.connection(portId);
  }

  private connection(portId: string): SerialConnection {
    const existing = this.connections.get(portId);
    if (existing) return existing;
    const config = this.config(portId);
    const options: SerialConnectionOptions = { clock: this.clock, logger: this.logger.child({ port: portId }), ...this.options };
    const connection = new SerialConnection(
      { id: config.id, path: config.path, baudRate: config.baudRate, dataBits: config.dataBits, parity: config.parity, stopBits: config.stopBits },
      options,
    );
    this.connections.set(portId, connection);
    return connection;
  }

  private config(portId: string): SerialPortConfig {
    const config = this.configs.get(portId);
    if (!config) throw new Error(`no serial port "${portId}" in serialPorts (known: ${[...this.configs.keys()].join(', ') || 'none'})`);
    return config;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.connections.values()].map((connection) => connection.close()));
  }
}
