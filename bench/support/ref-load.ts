/**
 * The ref-1k Modbus TCP load for benchmarks and the process-level tests (test/helpers/ref-load.ts
 * re-exports it; only bench/ is compiled for `node dist/bench/…`): N devices, each on its own port
 * of our fast `ModbusTcpServer`, each serving M float32 holding registers (ABCD) that all move at
 * every read of the first block, so every poll cycle carries new values.
 */
import { ModbusTcpServer } from '../../simulators/modbus/tcp-server.js';
import { answer, refuse, written, type ModbusUnit, type UnitAnswer } from '../../simulators/modbus/data-model.js';

export interface RefLoad {
  devices: number;
  points: number;
  /** One port per device, in device order. */
  ports: number[];
  /** Read requests answered, all devices. */
  requests(): number;
  stop(): Promise<void>;
}

/** `points` float32 holding registers that change at every read starting at address 0. */
export function movingFloat32Unit(deviceIndex: number, points: number): ModbusUnit {
  const words = new Uint16Array(points * 2);
  const view = new DataView(new ArrayBuffer(4));
  let step = 0;
  const refresh = () => {
    step = (step + 1) % 4096;
    for (let i = 0; i < points; i++) {
      // deviceIndex·1000 + i + step/16: exact in float32, within [base + i, base + i + 256).
      view.setFloat32(0, deviceIndex * 1000 + i + step / 16, false);
      words[i * 2] = view.getUint16(0, false);
      words[i * 2 + 1] = view.getUint16(2, false);
    }
  };
  refresh();
  return {
    readBits: (): UnitAnswer<readonly boolean[]> => refuse(2),
    readRegisters: (table, address, quantity) => {
      if (table !== 'holding' || address + quantity > words.length) return refuse(2);
      if (address === 0) refresh();
      return answer(words.slice(address, address + quantity));
    },
    writeCoils: () => refuse(1),
    writeRegisters: () => written(),
  };
}

export async function startRefLoad(devices = 10, points = 100): Promise<RefLoad> {
  const servers: ModbusTcpServer[] = [];
  try {
    for (let d = 0; d < devices; d++) {
      const server = new ModbusTcpServer();
      server.addUnit(1, movingFloat32Unit(d + 1, points));
      servers.push(server);
      await server.listen(0);
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  return {
    devices,
    points,
    ports: servers.map((server) => server.port!),
    requests: () => servers.reduce((n, server) => n + server.stats().requests, 0),
    stop: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}
