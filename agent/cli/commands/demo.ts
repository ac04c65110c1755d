import { join } from 'node:path';
import type { Config } from '../../../config/schema.js';
import { startSimulators } from '../../../simulators/run.js';
import { startEmbeddedBroker } from '../../demo/embedded-broker.js';
import { createLogger } from '../../runtime/logger.js';
import { packageRoot } from '../../runtime/package-info.js';
import { pickPort } from '../../runtime/ports.js';
import { ExitCode, type CommandIo } from '../exit-codes.js';
import { loadConfigOrReport, parseAgentOptions, runAgentUntilSignal } from './run.js';

export const DEMO_USAGE = `Usage: shaftgate demo [--config FILE] [--log-level LEVEL]

Runs everything on this machine: the field-device simulators, an embedded MQTT broker (MQTT 3.1.1)
and the agent with config/examples/demo.yaml. Preferred ports are 1883 (broker) and 8080 (HTTP);
when one is taken a free port is used instead and printed. Ctrl-C stops everything.

Options:
  -c, --config FILE      another demo config (default: config/examples/demo.yaml)
      --log-level LEVEL  agent log level (default: warn, so the banner stays readable)
  -h, --help             this text

Exit codes: 0 stopped cleanly, 1 internal error, 2 usage, 3 invalid config, 4 start-up failed.
`;

const HOST = '127.0.0.1';

export async function demoCommand(args: string[], io: CommandIo): Promise<number> {
  const values = parseAgentOptions('demo', args, DEMO_USAGE, io);
  if (typeof values === 'number') return values;
  const root = packageRoot();
  const baseConfig = loadConfigOrReport(values.config ?? join(root, 'config/examples/demo.yaml'), io);
  if (!baseConfig) return ExitCode.configInvalid;

  const notes: string[] = [];
  const broker = await startEmbeddedBroker(HOST, 1883);
  if (broker.port !== 1883) notes.push(`port 1883 is taken: the embedded broker listens on ${broker.port}`);
  const simulators = await startDemoSimulators(baseConfig, notes);
  const httpPort = await pickPort(HOST, baseConfig.http.port);
  if (httpPort !== baseConfig.http.port) notes.push(`port ${baseConfig.http.port} is taken: HTTP listens on ${httpPort}`);

  const config: Config = {
    ...baseConfig,
    mqtt: { ...baseConfig.mqtt, url: broker.url, protocolVersion: 4 }, // aedes speaks 3.1.1 only
    http: { ...baseConfig.http, host: HOST, port: httpPort },
    devices: baseConfig.devices.map((device) => {
      const endpoint = simulators.endpoints.find((e) => e.deviceId === device.id);
      return endpoint ? { ...device, host: endpoint.host, port: endpoint.port, unitId: endpoint.unitId } : device;
    }),
  };
  const logger = createLogger(values.logLevel ?? 'warn', { mine: config.gateway.mineId, gateway: config.gateway.gatewayId, demo: true });
  const topicRoot = `${config.mqtt.topicPrefix}/${config.gateway.mineId}/${config.gateway.gatewayId}`;

  return runAgentUntilSignal(
    config,
    logger,
    io,
    (agent) => {
      const lines = [
        '',
        'shaftgate demo is running',
        `  health      ${agent.httpUrl}/health`,
        `  state       ${agent.httpUrl}/api/state`,
        `  broker      ${broker.url}  (embedded, MQTT 3.1.1)`,
        ...simulators.endpoints.map((e) => `  simulator   ${e.deviceId} (${e.system})  modbus-tcp://${e.host}:${e.port} unit ${e.unitId}`),
        `  store       ${config.store.path}`,
        '',
        '  watch the telemetry:',
        `    mosquitto_sub -h ${broker.host} -p ${broker.port} -t '${topicRoot}/#' -v`,
        '',
        ...notes.map((note) => `  note: ${note}`),
        'Ctrl-C stops everything.',
        '',
      ];
      io.stdout(lines.join('\n'));
    },
    async () => {
      await simulators.stop();
      await broker.close();
    },
  );
}

async function startDemoSimulators(config: Config, notes: string[]) {
  const first = config.devices[0];
  const firstPort = first?.transport === 'modbus-tcp' ? first.port : 15020;
  try {
    return await startSimulators({ host: HOST, basePort: firstPort });
  } catch {
    notes.push(`port ${firstPort} is taken: the simulators listen on free ports`);
    return startSimulators({ host: HOST, basePort: 0 });
  }
}
