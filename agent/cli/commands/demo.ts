import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../../../config/schema.js';
import { PortInUseError } from '../../../simulators/modbus/tcp-server.js';
import { SOCAT } from '../../../simulators/serial/pty-pair.js';
import { startSimulators, type RunningSimulators } from '../../../simulators/run.js';
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
/** The operator of config/examples/demo.yaml; its PIN is public (the yaml keeps only the hash). */
export const DEMO_OPERATOR = { name: '值班员', pin: '2468' } as const;

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

  const config = demoConfig(baseConfig, { brokerUrl: broker.url, httpPort, simulators }, notes);
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
        ...(agent.boardUrl === null ? [] : [`  board       ${agent.boardUrl}`, ...demoOperators(config)]),
        `  health      ${agent.httpUrl}/health`,
        `  state       ${agent.httpUrl}/api/state`,
        `  broker      ${broker.url}  (embedded, MQTT 3.1.1)`,
        ...simulators.endpoints.map((e) => `  simulator   ${e.deviceId} (${e.system})  modbus-tcp://${e.host}:${e.port} unit ${e.unitId}`),
        ...simulators.serialEndpoints.map((e) => `  simulator   ${e.deviceId} (${e.system})  ${e.transport} ${e.path} (${e.pts})`),
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

/** The demo config's operators and their public PIN, so the board's PIN dialog can be tried at once. */
function demoOperators(config: Config): string[] {
  if (config.board.operators.length === 0) return ['              (no operators configured: the board is read-only)'];
  return config.board.operators.map((operator) =>
    operator.name === DEMO_OPERATOR.name ? `              operator ${operator.name}  PIN ${DEMO_OPERATOR.pin}  (public demo PIN: replace it in a real config)` : `              operator ${operator.name}`,
  );
}

async function startDemoSimulators(config: Config, notes: string[]) {
  const first = config.devices.find((device) => device.transport === 'modbus-tcp');
  const firstPort = first?.transport === 'modbus-tcp' ? first.port : 15020;
  // The weather station and LED board are served on pty pairs made by socat; without it the demo
  // still runs, with the Modbus TCP devices only.
  const serialLines = existsSync(SOCAT) ? { dir: resolve('var/demo/pty') } : undefined; // beside the store: relative to the working directory
  if (!serialLines) notes.push(`${SOCAT} is missing (apt-get install socat): the serial devices (weather station, LED board) are left out`);
  try {
    return await startSimulators({ host: HOST, basePort: firstPort, serialLines });
  } catch (error) {
    if (!(error instanceof PortInUseError)) throw error;
    notes.push(`port ${error.port} is taken: the simulators listen on free ports`);
    return startSimulators({ host: HOST, basePort: 0, serialLines });
  }
}

/** The demo config pointed at what the demo actually started: broker, HTTP port, simulator ports and ptys. */
function demoConfig(
  base: Config,
  started: { brokerUrl: string; httpPort: number; simulators: RunningSimulators },
  notes: string[],
): Config {
  const { simulators } = started;
  const serialPath = new Map<string, string>();
  for (const endpoint of simulators.serialEndpoints) {
    const device = base.devices.find((d) => d.id === endpoint.deviceId);
    if (device && device.transport !== 'modbus-tcp') serialPath.set(device.serialPort, endpoint.path);
  }
  const devices = base.devices.filter((device) => device.transport === 'modbus-tcp' || serialPath.has(device.serialPort));
  const leftOut = base.devices.filter((device) => !devices.includes(device)).map((device) => device.id);
  if (leftOut.length > 0 && simulators.serialEndpoints.length > 0) notes.push(`no simulator serves ${leftOut.join(', ')}: left out`);
  return {
    ...base,
    interlocks: interlocksWithout(base.interlocks, leftOut, notes),
    mqtt: { ...base.mqtt, url: started.brokerUrl, protocolVersion: 4 }, // aedes speaks 3.1.1 only
    http: { ...base.http, host: HOST, port: started.httpPort },
    serialPorts: base.serialPorts.filter((port) => serialPath.has(port.id)).map((port) => ({ ...port, path: serialPath.get(port.id)! })),
    devices: devices.map((device) => {
      if (device.transport !== 'modbus-tcp') return device;
      const endpoint = simulators.endpoints.find((e) => e.deviceId === device.id);
      return endpoint ? { ...device, host: endpoint.host, port: endpoint.port, unitId: endpoint.unitId } : device;
    }),
  };
}

/** Without socat the weather station and LED board are left out: so are the interlocks' references to them. */
function interlocksWithout(interlocks: Config['interlocks'], leftOut: readonly string[], notes: string[]): Config['interlocks'] {
  if (!interlocks || leftOut.length === 0) return interlocks;
  const gone = new Set(leftOut);
  const rain = interlocks.weather.rain24h;
  const led = interlocks.outputs.ledBoard;
  if ((rain && gone.has(rain.device)) || (led && gone.has(led.device))) notes.push('the interlocks run without the weather station and the LED board');
  const { ledBoard: _led, ...outputs } = interlocks.outputs;
  const { rain24h: _rain, ...weather } = interlocks.weather;
  return {
    ...interlocks,
    weather: rain && gone.has(rain.device) ? weather : interlocks.weather,
    outputs: led && gone.has(led.device) ? outputs : interlocks.outputs,
    analog: interlocks.analog.filter((a) => !gone.has(a.device)),
  };
}
