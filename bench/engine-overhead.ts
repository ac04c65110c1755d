/**
 * Engine overhead: points/s through our Modbus TCP driver (read plan, request matching,
 * validation, decoding into samples) vs a bare modbus-serial loop that only reads the same two
 * blocks — against the same fast server, same map (100 float32 = 200 holding registers, 2 blocks),
 * in one run. Rounds alternate between the two and the median is printed, since the machine is noisy.
 *
 *     npm run build && node dist/bench/engine-overhead.js [--seconds-per-round 2] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import type { ModbusRTU as ModbusRtuClass } from 'modbus-serial/ModbusRTU.js';
import { systemClock } from '../agent/model/clock.js';
import { silentLogger } from '../agent/runtime/logger.js';
import { modbusTcpDeviceSchema } from '../config/schema.js';
import { ModbusTcpDriver } from '../drivers/modbus/tcp/tcp-driver.js';
import { ModbusTcpServer } from '../simulators/modbus/tcp-server.js';
import { float32HoldingUnit, median } from './fast-unit.js';

const POINTS = 100;

const { values: args } = parseArgs({ options: { 'seconds-per-round': { type: 'string' }, rounds: { type: 'string' } } });
const roundMs = Number(args['seconds-per-round'] ?? 2) * 1000;
const rounds = Number(args.rounds ?? 5);

async function timed(body: () => Promise<number>): Promise<number> {
  const started = performance.now();
  let points = 0;
  while (performance.now() - started < roundMs) points += await body();
  return points / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const server = new ModbusTcpServer();
  server.addUnit(1, float32HoldingUnit(POINTS));
  const port = await server.listen(0);

  const config = modbusTcpDeviceSchema.parse({
    id: 'bench',
    system: 'safety_monitoring',
    transport: 'modbus-tcp',
    host: '127.0.0.1',
    port,
    points: Array.from({ length: POINTS }, (_, i) => ({ id: `v${i}`, table: 'holding', address: i * 2, type: 'float32' })),
  });
  const driver = new ModbusTcpDriver(config, systemClock, silentLogger());
  const blocks = driver.readPlan.map((b) => ({ address: b.address, quantity: b.quantity }));

  // modbus-serial is CommonJS: under NodeNext its typings put the class one `.default` deeper than
  // the runtime, where `.default` is module.exports — the ModbusRTU constructor itself.
  const ModbusRTU = (await import('modbus-serial')).default as unknown as typeof ModbusRtuClass;
  const bare = new ModbusRTU();
  await bare.connectTCP('127.0.0.1', { port });
  bare.setID(1);
  bare.setTimeout(1000);

  const ours = async () => {
    const samples = await driver.poll();
    if (samples.length !== POINTS || samples[0]!.quality !== 'good') throw new Error(`driver read failed: ${JSON.stringify(samples[0])}`);
    return samples.length;
  };
  const baseline = async () => {
    let points = 0;
    for (const block of blocks) {
      const result = await bare.readHoldingRegisters(block.address, block.quantity);
      points += result.data.length / 2;
    }
    return points;
  };

  await timed(ours); // warm-up both (JIT, connections)
  await timed(baseline);
  const oursRates: number[] = [];
  const bareRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    bareRates.push(await timed(baseline));
    oursRates.push(await timed(ours));
    const ratio = oursRates.at(-1)! / bareRates.at(-1)!;
    console.log(`round ${round + 1}: shaftgate driver ${oursRates.at(-1)!.toFixed(0)} points/s, bare modbus-serial ${bareRates.at(-1)!.toFixed(0)} points/s, ratio ${ratio.toFixed(3)}`);
  }
  const oursMedian = median(oursRates);
  const bareMedian = median(bareRates);
  console.log(`\nmap: ${POINTS} float32 in ${blocks.length} blocks (${blocks.map((b) => `${b.address}+${b.quantity}`).join(', ')}), ${rounds} rounds of ${roundMs / 1000} s`);
  console.log(`median shaftgate driver (plan + decode + samples): ${oursMedian.toFixed(0)} points/s (${(oursMedian / POINTS).toFixed(0)} cycles/s)`);
  console.log(`median bare modbus-serial readHoldingRegisters:     ${bareMedian.toFixed(0)} points/s`);
  const roundRatios = oursRates.map((rate, i) => rate / bareRates[i]!);
  console.log(`ratio of medians shaftgate / bare: ${(oursMedian / bareMedian).toFixed(3)}; median of per-round ratios: ${median(roundRatios).toFixed(3)} (target ≥ 0.9)`);
  console.log(`driver stats: requests ${driver.stats().requests}, round trip p50 ${driver.stats().roundTripMs.p50} ms, p99 ${driver.stats().roundTripMs.p99} ms`);

  await driver.close();
  bare.close(() => undefined);
  await server.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
