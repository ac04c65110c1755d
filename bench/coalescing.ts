/**
 * Coalescing: requests per poll cycle for the ref-1k map (10 Modbus TCP devices × 100 float32)
 * with our read plan vs one request per point. The planned count is then checked on the wire: each
 * device is polled once against our simulator's server and its request counter is read.
 *
 *     npm run build && node dist/bench/coalescing.js
 */
import { systemClock } from '../agent/model/clock.js';
import { silentLogger } from '../agent/runtime/logger.js';
import { modbusTcpDeviceSchema } from '../config/schema.js';
import { buildReadPlan } from '../drivers/modbus/read-plan.js';
import { ModbusTcpDriver } from '../drivers/modbus/tcp/tcp-driver.js';
import { ModbusTcpServer } from '../simulators/modbus/tcp-server.js';
import { float32HoldingUnit } from './fast-unit.js';

const DEVICES = 10;
const POINTS_PER_DEVICE = 100;

async function main(): Promise<void> {
  const server = new ModbusTcpServer();
  server.addUnit(1, float32HoldingUnit(POINTS_PER_DEVICE));
  const port = await server.listen(0);
  const devices = Array.from({ length: DEVICES }, (_, d) =>
    modbusTcpDeviceSchema.parse({
      id: `ref-${d + 1}`,
      system: 'safety_monitoring',
      transport: 'modbus-tcp',
      host: '127.0.0.1',
      port,
      points: Array.from({ length: POINTS_PER_DEVICE }, (_, i) => ({ id: `v${i}`, table: 'holding', address: i * 2, type: 'float32' })),
    }),
  );

  const planned = devices.reduce(
    (sum, device) =>
      sum +
      buildReadPlan(device.points, {
        maxGap: device.maxGap,
        maxRegistersPerRequest: device.maxRegistersPerRequest,
        maxBitsPerRequest: device.maxBitsPerRequest,
        prohibitedRanges: device.prohibitedRanges,
      }).length,
    0,
  );
  const perPoint = devices.reduce((sum, device) => sum + device.points.length, 0);

  const drivers = devices.map((device) => new ModbusTcpDriver(device, systemClock, silentLogger()));
  const cycles = await Promise.all(drivers.map((driver) => driver.poll()));
  const good = cycles.flat().filter((sample) => sample.quality === 'good').length;
  const onWire = server.stats().requests;

  console.log(`ref-1k map: ${DEVICES} devices × ${POINTS_PER_DEVICE} float32 = ${perPoint} points`);
  console.log(`requests per cycle, one per point:   ${perPoint}`);
  console.log(`requests per cycle, our read plan:   ${planned} (${planned / DEVICES} per device; blocks of up to 125 registers)`);
  console.log(`requests seen by the server in one cycle: ${onWire}, good samples: ${good}`);
  console.log(`reduction: ${(perPoint / planned).toFixed(1)}× fewer requests`);

  await Promise.all(drivers.map((driver) => driver.close()));
  await server.close();
  if (onWire !== planned || good !== perPoint) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
