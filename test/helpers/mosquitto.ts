/**
 * A real Mosquitto broker for integration tests (Debian package `mosquitto`), on a free loopback
 * port, with its own config and log in a temp folder. Never skipped: a missing broker is an error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { freePort } from './free-port.js';

export const MOSQUITTO_PATH = '/usr/sbin/mosquitto';
const READY_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 3000;

export interface MosquittoOptions {
  /** Extra lines for mosquitto.conf. */
  extraConfig?: string[];
}

export interface MosquittoBroker {
  port: number;
  url: string;
  /** Kills the broker, waits for it to exit and removes its temp folder. */
  stop(): Promise<void>;
  /** Kills the broker (every connection drops; with persistence off all state is gone) but keeps its folder for restart(). */
  kill(): Promise<void>;
  /** Starts the broker again on the same port (killing it first if it runs). */
  restart(): Promise<void>;
  /** Freezes the broker (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  resume(): void;
  /** The broker's log so far, for failure messages. */
  log(): string;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  if (!existsSync(MOSQUITTO_PATH)) {
    throw new Error(`Mosquitto is not installed (${MOSQUITTO_PATH} not found): install the Debian package mosquitto (apt-get install mosquitto) to run the integration tests`);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'shaftgate-mosquitto-'));
  const configPath = join(dir, 'mosquitto.conf');
  const logPath = join(dir, 'mosquitto.log');
  const config = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'max_queued_messages 1000000',
    'max_inflight_messages 0',
    'persistence false',
    `log_dest file ${logPath}`,
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    // Run as root (CI containers): without this Mosquitto switches to user "mosquitto", which cannot write the log here.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    ...(options.extraConfig ?? []),
  ];
  writeFileSync(configPath, `${config.join('\n')}\n`);

  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '(no log written)');
  let child: ChildProcess = await launch(configPath, port, readLog);

  const kill = async (): Promise<void> => {
    const running = child;
    if (running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGCONT'); // a paused broker cannot handle SIGTERM
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    kill,
    restart: async () => {
      await kill();
      child = await launch(configPath, port, readLog);
    },
    pause: () => {
      child.kill('SIGSTOP');
    },
    resume: () => {
      child.kill('SIGCONT');
    },
    log: readLog,
  };
}

async function launch(configPath: string, port: number, readLog: () => string): Promise<ChildProcess> {
  const child = spawn(MOSQUITTO_PATH, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Mosquitto did not start listening on 127.0.0.1:${port} (exit ${child.exitCode ?? child.signalCode ?? 'none'}).\nstderr: ${stderr}\nlog: ${readLog()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// ---- subscriber ---------------------------------------------------------------------------------

export interface ReceivedMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

export interface Subscriber {
  /** Messages received so far, in arrival order. */
  readonly messages: readonly ReceivedMessage[];
  on(topic: string): ReceivedMessage[];
  /** Resolves once the client is (re)connected and subscribed. */
  ready(): Promise<void>;
  /** Resolves when `predicate` holds for the messages received (checked on every message). */
  waitFor(predicate: (messages: readonly ReceivedMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** An mqtt.js client that subscribes to `filter` with QoS 1 and collects everything, resubscribing after a broker restart. */
export async function startSubscriber(url: string, filter: string, options: IClientOptions = {}): Promise<Subscriber> {
  const messages: ReceivedMessage[] = [];
  const waiters = new Set<() => void>();
  const client: MqttClient = connect(url, { reconnectPeriod: 50, connectTimeout: 2000, clean: true, ...options });
  const giveUp = setTimeout(() => client.end(true), READY_TIMEOUT_MS);
  let subscribed: Promise<void> = Promise.resolve();
  let markSubscribed: () => void = () => {};
  const resetReady = () => {
    subscribed = new Promise((resolve) => (markSubscribed = resolve));
  };
  resetReady();
  client.on('error', () => {}); // reconnects on its own; errors are expected while a broker restarts
  client.on('close', resetReady);
  client.on('connect', () => {
    client.subscribe(filter, { qos: 1 }, (error) => {
      if (error === undefined || error === null) markSubscribed();
    });
  });
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain });
    for (const waiter of waiters) waiter();
  });
  const subscriber: Subscriber = {
    messages,
    on: (topic) => messages.filter((message) => message.topic === topic),
    ready: () => subscribed,
    waitFor: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(messages)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`subscriber on ${filter}: condition not met within ${timeoutMs} ms; ${messages.length} message(s) received`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => client.endAsync(true),
  };
  await Promise.race([
    subscriber.ready(),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`subscriber could not connect to ${url} and subscribe to ${filter} within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS).unref()),
  ]);
  clearTimeout(giveUp);
  return subscriber;
}
