/**
 * Footprint: CPU and memory of the whole agent — every poll, the store, the forwarder to a real
 * Mosquitto, the interlocks and the board — at the reference loads, against what Node-RED with
 * node-red-contrib-modbus costs for the polling and publishing part alone (issue 7).
 *
 * Started here, in this process: the ref-1k Modbus TCP load (10 devices × 100 float32, two block
 * reads each, every value moving every cycle), the positioning substation pp-1 with 500 roster
 * cards entering and then moving about underground, the outputs module out-1, the communication
 * system comm-1 (broadcast trigger), one RS-485 line (socat pty pair, 19200 baud configured) with
 * four weather stations as slaves 1–4 on the simulator's RTU server, the LED board on its own pty,
 * a real Mosquitto on a free loopback port with one platform subscriber consuming everything, and
 * one board screen holding /api/board/events open (if the agent serves the board).
 *
 * The agent runs as its own process, as systemd runs it (`node dist/agent/cli/main.js run
 * --config <generated>`). Only that process is measured, from /proc every 500 ms: utime + stime
 * (CPU % of one core) and VmRSS, over `--seconds` after a `--warmup` counted from the moment it
 * answers /health.
 *
 *     npm run build && node dist/bench/footprint.js --profile ref-1k [--seconds 60] [--warmup 20]
 *     node dist/bench/footprint.js --profile ref-1k-100ms
 *     … [--no-interlocks] [--cpu-prof DIR | --heap-prof DIR | --memory-probe] [--agent-node-option=--max-semi-space-size=2 …] [--agent-env MALLOC_ARENA_MAX=2 …]
 *       [--no-service-node-options] [--keep] [--json]
 *
 * `--cpu-prof DIR` / `--heap-prof DIR` run the agent under Node's profiler (written at its exit,
 * into DIR); the figures then include the profiler's own cost. `--memory-probe` loads
 * support/memory-probe.js into the agent to split its RSS into V8 heap, buffers and the rest. The
 * agent gets the Node options the service runs it with (`Environment=NODE_OPTIONS=` in
 * systemd/shaftgate.service, e.g. a small V8 young generation), as the output says;
 * `--no-service-node-options` runs it without them. Needs the Debian packages mosquitto
 * and socat. Exits 1 when the load did not really run (no telemetry, poll errors, a growing backlog).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, formatIssues, loadConfigFile } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import { deviceSeed, startSimulators } from '../simulators/run.js';
import { WeatherStation } from '../simulators/devices/weather-station.js';
import { systemClock } from '../agent/model/clock.js';
import { BoardClient } from './support/board-client.js';
import { BENCH_GATEWAY, footprintConfig, RTU_UNITS, THRESHOLDS_PER_DEVICE } from './support/footprint-config.js';
import { startMosquitto } from './support/mosquitto.js';
import { freePort } from './support/free-port.js';
import { PlatformSubscriber, type SubscriberCounts } from './support/platform-subscriber.js';
import { clockTicksPerSecond, ProcSampler, readPeakRssKb } from './support/proc-sampler.js';
import { startRefLoad } from './support/ref-load.js';
import { SERVICE_UNIT, serviceEnvironment } from './support/service-node-options.js';
import { eligibleToday, Underground, UNDERGROUND_PEOPLE, writeBenchRoster } from './support/underground.js';

interface Profile {
  pollIntervalMs: number;
  /** Node-RED + node-red-contrib-modbus, polling and publishing only, this class of machine (issue 7). */
  nodeRed: { cpuPercent: number; rssAvgMB: number; rssPeakMB: number | null };
}

const PROFILES: Record<string, Profile> = {
  'ref-1k': { pollIntervalMs: 1000, nodeRed: { cpuPercent: 3, rssAvgMB: 106, rssPeakMB: 128 } },
  'ref-1k-100ms': { pollIntervalMs: 100, nodeRed: { cpuPercent: 20, rssAvgMB: 158, rssPeakMB: null } },
};
/** Targets (issue 7): at most half Node-RED's CPU and 0.6 × its memory. */
const CPU_TARGET_RATIO = 0.5;
const RSS_TARGET_RATIO = 0.6;
const REF_DEVICES = 10;
const REF_POINTS = 100;
const SAMPLE_EVERY_MS = 500;
const CLI = fileURLToPath(new URL('../agent/cli/main.js', import.meta.url));
const MEMORY_PROBE = new URL('./support/memory-probe.js', import.meta.url).href;

const { values: args } = parseArgs({
  options: {
    profile: { type: 'string', default: 'ref-1k' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '20' },
    'no-interlocks': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'heap-prof': { type: 'string' },
    'memory-probe': { type: 'boolean', default: false },
    'agent-node-option': { type: 'string', multiple: true, default: [] },
    'agent-env': { type: 'string', multiple: true, default: [] },
    'no-service-node-options': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const profileName = args.profile;
const chosen = PROFILES[profileName];
if (!chosen) {
  console.error(`unknown --profile "${profileName}"; one of: ${Object.keys(PROFILES).join(', ')}`);
  process.exit(2);
}
const profile: Profile = chosen;
const measureSeconds = Number(args.seconds);
const warmupSeconds = Number(args.warmup);
if (!(measureSeconds > 0) || !(warmupSeconds >= 0)) {
  console.error('--seconds must be > 0 and --warmup ≥ 0');
  process.exit(2);
}

/** What systemd/shaftgate.service gives node (NODE_OPTIONS and other variables), unless --no-service-node-options. */
const SERVICE_ENV = args['no-service-node-options'] ? { nodeOptions: [], variables: {} } : serviceEnvironment();
const SERVICE_OPTIONS: readonly string[] = SERVICE_ENV.nodeOptions;
/** --agent-env NAME=VALUE (experiments; NOT the shipped setup). */
const EXTRA_ENV: Record<string, string> = Object.fromEntries(
  (args['agent-env'] ?? []).map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) {
      console.error(`--agent-env wants NAME=VALUE, got "${pair}"`);
      process.exit(2);
    }
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const log = (text: string) => process.stderr.write(`[footprint] ${text}\n`);

interface Health {
  ready?: boolean;
  reasons?: string[];
  devices?: Array<{ deviceId: string; requests: number; responses: number; errors: { timeout: number; exception: number; framing: number; connection: number }; writes?: { requests: number; failed: number } }>;
  schedule?: Array<{ deviceId: string; cycles: number; missedSlots: number }>;
  store?: { queued: number; written: number; dropped: number; failedWrites: number } | null;
  uplink?: { connected: boolean; published: number; acked: number; backlogRows: number; backlogAgeMs: number | null } | null;
  interlocks?: {
    decisions: number;
    permitted: boolean | null;
    permitReasons: string[];
    headcount: number | null;
    headcountConfirmed: boolean;
    activeAlarms: number;
    alarms: Array<{ key: string; kind: string; severity: string; state: string }>;
    decisionLatency: { p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
    outputFaults: unknown[];
  } | null;
}

async function health(port: number): Promise<Health | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) as Health;
  } catch {
    return null;
  }
}

function startAgent(configPath: string, cwd: string): { child: ChildProcess; output: () => string; exited: Promise<string> } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const nodeFlags: string[] = [];
  if (args['cpu-prof']) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`);
  if (args['heap-prof']) nodeFlags.push('--heap-prof', `--heap-prof-dir=${resolve(args['heap-prof'])}`);
  nodeFlags.push(...SERVICE_OPTIONS, ...(args['agent-node-option'] ?? []));
  const env = { ...process.env, ...SERVICE_ENV.variables, ...EXTRA_ENV };
  if (args['memory-probe']) {
    nodeFlags.push('--import', MEMORY_PROBE);
    env.SHAFTGATE_MEMORY_PROBE = join(cwd, 'memory-probe.jsonl');
  }
  const child = spawn(process.execPath, [...nodeFlags, CLI, 'run', '--config', configPath], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-40_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<string>((done) => child.once('exit', (code, signal) => done(String(code ?? signal))));
  return { child, output: () => output, exited };
}

const sum = (values: number[]) => values.reduce((n, v) => n + v, 0);
const pollErrors = (h: Health | null) => sum((h?.devices ?? []).map((d) => d.errors.timeout + d.errors.exception + d.errors.framing + d.errors.connection));
const missedSlots = (h: Health | null) => sum((h?.schedule ?? []).map((s) => s.missedSlots));
const missedByDevice = (h0: Health | null, h1: Health | null) =>
  (h1?.schedule ?? [])
    .map((s) => ({ id: s.deviceId, missed: s.missedSlots - ((h0?.schedule ?? []).find((b) => b.deviceId === s.deviceId)?.missedSlots ?? 0) }))
    .filter((d) => d.missed > 0)
    .map((d) => `${d.id} ${d.missed}`)
    .join(', ');
const cycles = (h: Health | null) => sum((h?.schedule ?? []).map((s) => s.cycles));

/** The last line of the memory probe: where the RSS goes (V8 heap, array buffers, the rest). */
function memoryProbeSummary(path: string): string {
  if (!existsSync(path)) return 'no probe output';
  const last = readFileSync(path, 'utf8').trim().split('\n').at(-1);
  if (!last) return 'no probe output';
  const probe = JSON.parse(last) as { memory: NodeJS.MemoryUsage; heap: { total: number; used: number; malloced: number }; spaces: Record<string, { used: number; size: number }> };
  const mib = (n: number) => `${(n / 1048576).toFixed(1)}`;
  const spaces = Object.entries(probe.spaces).filter(([, v]) => v.size > 1048576).map(([k, v]) => `${k} ${mib(v.used)}/${mib(v.size)}`).join(', ');
  return `rss ${mib(probe.memory.rss)} MiB = V8 heap ${mib(probe.heap.used)} used / ${mib(probe.heap.total)} reserved (${spaces}), external ${mib(probe.memory.external)} (array buffers ${mib(probe.memory.arrayBuffers)}), V8 malloced ${mib(probe.heap.malloced)}; the rest is code and native (SQLite, libuv)`;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'shaftgate-footprint-'));
  const cleanups: Array<() => Promise<void> | void> = [];
  let agent: ReturnType<typeof startAgent> | null = null;
  let flushIntervalMs = 0;
  try {
    if (args['cpu-prof']) mkdirSync(resolve(args['cpu-prof']), { recursive: true });
    if (args['heap-prof']) mkdirSync(resolve(args['heap-prof']), { recursive: true });

    // ---- the world around the agent --------------------------------------------------------------
    const broker = await startMosquitto(dir);
    cleanups.push(() => broker.stop());
    const refLoad = await startRefLoad(REF_DEVICES, REF_POINTS);
    cleanups.push(() => refLoad.stop());
    const ptyDir = join(dir, 'pty');
    const simulators = await startSimulators({
      basePort: 0,
      devices: [
        { id: 'pp-1', system: 'personnel_positioning' },
        { id: 'out-1', system: 'outputs' },
        { id: 'comm-1', system: 'communication' },
      ],
      // Weather sentences only on query: the ASCII line is not part of the reference load.
      serialLines: { dir: ptyDir, weatherIntervalMs: 0 },
    });
    cleanups.push(() => simulators.stop());
    const serial = simulators.serial!;
    // Slaves 2–4 on the same line as the simulator's weather station (slave 1).
    for (const unit of RTU_UNITS.filter((u) => u !== 1)) serial.rtu.addUnit(unit, new WeatherStation({ seed: deviceSeed(1, `wx-${unit}`), clock: systemClock }));
    const endpoint = (id: string) => simulators.serialEndpoints.find((e) => e.deviceId === id)!.path;
    const port = (id: 'pp-1' | 'out-1' | 'comm-1') => simulators.devices.get(id)!.endpoint.port;

    const roster = writeBenchRoster(dir);
    const entering = eligibleToday(roster.people).slice(0, UNDERGROUND_PEOPLE);
    const httpPort = await freePort();
    const withInterlocks = !args['no-interlocks'] && 'interlocks' in configSchema.shape;
    const interlocksNote = args['no-interlocks']
      ? 'left out (--no-interlocks)'
      : withInterlocks
        ? `included: every rule, roster ${roster.people.length} people (bench copy, training dates +${roster.shiftedYears} y), layout simulators/data/layout.yaml, ${REF_DEVICES * THRESHOLDS_PER_DEVICE} analog thresholds, outputs out-1 + comm-1 broadcast + LED board`
        : 'NOT included: config/schema.ts has no "interlocks" key yet — this is not the whole job';
    const config = footprintConfig({
      pollIntervalMs: profile.pollIntervalMs,
      refPorts: refLoad.ports,
      refPoints: REF_POINTS,
      simulatorPorts: { 'pp-1': port('pp-1'), 'out-1': port('out-1'), 'comm-1': port('comm-1') },
      rtuPath: endpoint('wx-1'),
      ledPath: endpoint('led-1'),
      brokerUrl: broker.url,
      storePath: join(dir, 'store', 'shaftgate.db'),
      httpPort,
      rosterPath: roster.path,
      interlocks: withInterlocks,
    });
    mkdirSync(join(dir, 'store'), { recursive: true });
    const configPath = join(dir, 'footprint.yaml');
    writeFileSync(configPath, `${JSON.stringify(config, null, 1)}\n`);
    try {
      // What the agent will do; a config error here is the benchmark's bug.
      flushIntervalMs = loadConfigFile(configPath).store.flushIntervalMs;
    } catch (error) {
      if (error instanceof ConfigError) throw new Error(`the generated config ${configPath} is invalid:\n${formatIssues(error.issues)}`);
      throw error;
    }

    const subscriber = await PlatformSubscriber.start(broker.url, BENCH_GATEWAY);
    cleanups.push(() => subscriber.close());

    // ---- the agent -------------------------------------------------------------------------------
    log(`profile ${profileName}: poll every ${profile.pollIntervalMs} ms; warm-up ${warmupSeconds} s, measured ${measureSeconds} s; work folder ${dir}`);
    agent = startAgent(configPath, dir);
    const pid = agent.child.pid!;
    const sampler = new ProcSampler(pid, SAMPLE_EVERY_MS);
    sampler.start();
    cleanups.push(() => sampler.stop());
    const startDeadline = Date.now() + 20_000;
    while ((await health(httpPort)) === null) {
      if (agent.child.exitCode !== null) throw new Error(`the agent exited with ${agent.child.exitCode} before answering /health:\n${agent.output()}`);
      if (Date.now() > startDeadline) throw new Error(`the agent did not answer /health within 20 s:\n${agent.output()}`);
      await sleep(100);
    }
    const readyAt = performance.now();
    log(`agent pid ${pid} answers /health; ${entering.length} people entering`);

    const board = new BoardClient();
    await board.open(httpPort);
    cleanups.push(() => board.close());

    const substation = simulators.devices.get('pp-1')!.model;
    const underground = new Underground(substation, entering);
    cleanups.push(() => underground.stop());
    // All in within ~¾ of the warm-up (the event FIFO holds 256: ≤ 200 per second).
    const perSecond = Math.min(200, Math.max(25, Math.ceil(entering.length / Math.max(1, warmupSeconds * 0.75))));
    const entered = underground.enterAll(perSecond).then(() => underground.startChurn());

    await sleep(Math.max(0, readyAt + warmupSeconds * 1000 - performance.now()));
    await entered;

    // ---- the measured window ---------------------------------------------------------------------
    const h0 = await health(httpPort);
    const s0: SubscriberCounts = subscriber.snapshot();
    const r0 = refLoad.requests();
    const board0 = { ...board.state };
    sampler.sample();
    const t0 = performance.now();
    await sleep(measureSeconds * 1000);
    sampler.sample();
    const t1 = performance.now();
    const s1 = subscriber.snapshot();
    const r1 = refLoad.requests();
    const h1 = await health(httpPort);
    const board1 = { ...board.state };
    const hwmKb = readPeakRssKb(pid);
    if (agent.child.exitCode !== null) throw new Error(`the agent exited (${agent.child.exitCode}) during the measurement:\n${agent.output()}`);
    const figures = sampler.window(t0, t1, clockTicksPerSecond());
    const elapsed = (t1 - t0) / 1000;

    // ---- stop ------------------------------------------------------------------------------------
    board.close();
    agent.child.kill('SIGTERM');
    const killTimer = setTimeout(() => agent?.child.kill('SIGKILL'), 8000);
    const exit = await agent.exited;
    clearTimeout(killTimer);

    // ---- report ----------------------------------------------------------------------------------
    const perSecondOf = (a: number, b: number) => (b - a) / elapsed;
    const refSamplesExpected = (REF_DEVICES * REF_POINTS * 1000) / profile.pollIntervalMs;
    const telemetryPerSecond = perSecondOf(s0.byStream.telemetry ?? 0, s1.byStream.telemetry ?? 0);
    const samplesPerSecond = perSecondOf(s0.telemetrySamples, s1.telemetrySamples);
    const refRequestsPerSecond = perSecondOf(r0, r1);
    const errors = pollErrors(h1) - pollErrors(h0);
    const missed = missedSlots(h1) - missedSlots(h0);
    const backlog0 = h0?.uplink?.backlogRows ?? null;
    const backlog1 = h1?.uplink?.backlogRows ?? null;
    const il = h1?.interlocks ?? null;
    const nodeRed = profile.nodeRed;
    const cpuRatio = figures.cpuPercent / nodeRed.cpuPercent;
    // Node-RED's figures are in MB; ours in MiB. Compared in MB (1 MiB = 1.048576 MB), the stricter reading.
    const MB_PER_MIB = 1.048576;
    const rssRatio = (figures.rssAvgMiB * MB_PER_MIB) / nodeRed.rssAvgMB;
    const cpuOk = cpuRatio <= CPU_TARGET_RATIO;
    const rssOk = rssRatio <= RSS_TARGET_RATIO;

    const line = (label: string, value: string) => console.log(`  ${label.padEnd(28)}${value}`);
    const f1 = (n: number) => n.toFixed(1);
    const f2 = (n: number) => n.toFixed(2);
    console.log(`Footprint — ${profileName}: ${REF_DEVICES} Modbus TCP devices × ${REF_POINTS} float32 (2 block reads each) every ${profile.pollIntervalMs} ms, RTU bus of ${RTU_UNITS.length} slaves (19200 baud on a pty) every ${profile.pollIntervalMs} ms,`);
    console.log(`  ${entering.length} people underground (pp-1, 1 s; card table every 10 s), out-1 and comm-1 every 1 s, LED board, Mosquitto + 1 subscriber, board SSE client`);
    console.log(
      `  agent node options: ${SERVICE_OPTIONS.length > 0 ? `${SERVICE_OPTIONS.join(' ')} (the service's NODE_OPTIONS, ${SERVICE_UNIT})` : args['no-service-node-options'] ? 'none (--no-service-node-options: NOT the shipped setup)' : `none (as ${SERVICE_UNIT})`}` +
        `${(args['agent-node-option'] ?? []).length > 0 ? `; added: ${(args['agent-node-option'] ?? []).join(' ')} (NOT the shipped setup)` : ''}`,
    );
    const serviceVariables = Object.entries(SERVICE_ENV.variables).map(([name, value]) => `${name}=${value}`);
    console.log(
      `  agent environment: ${serviceVariables.length > 0 ? `${serviceVariables.join(' ')} (the service's Environment=)` : 'nothing from the unit'}` +
        `${Object.keys(EXTRA_ENV).length > 0 ? `; added: ${Object.entries(EXTRA_ENV).map(([n, v]) => `${n}=${v}`).join(' ')} (NOT the shipped setup)` : ''}`,
    );
    console.log(`  agent pid ${pid}, ${figures.samples} samples every ${SAMPLE_EVERY_MS} ms over ${f1(figures.seconds)} s after ${warmupSeconds} s warm-up${args['cpu-prof'] || args['heap-prof'] ? '  (UNDER THE PROFILER: figures include its cost)' : ''}`);
    line('interlocks', interlocksNote);
    line('board SSE', board1.status === 'open' ? `open, ${board1.events - board0.events} events (${((board1.bytes - board0.bytes) / 1024).toFixed(0)} KiB) in the window` : board1.status);
    console.log('');
    line('CPU (one core)', `${f2(figures.cpuPercent)} %`);
    line('RSS average', `${f1(figures.rssAvgMiB)} MiB (${f1(figures.rssAvgMiB * MB_PER_MIB)} MB)`);
    line('RSS peak (sampled)', `${f1(figures.rssPeakMiB)} MiB   (min ${f1(figures.rssMinMiB)}; VmHWM since start ${hwmKb === null ? '?' : f1(hwmKb / 1024)} MiB)`);
    console.log('');
    console.log(`  Node-RED + node-red-contrib-modbus, polling and publishing only (issue 7, same class of machine):`);
    line('  CPU', `${nodeRed.cpuPercent} %  → ratio ${f2(cpuRatio)}  (target ≤ ${CPU_TARGET_RATIO}: ≤ ${f2(nodeRed.cpuPercent * CPU_TARGET_RATIO)} %)  ${cpuOk ? 'OK' : 'MISSED'}`);
    line('  RSS average', `${nodeRed.rssAvgMB} MB → ratio ${f2(rssRatio)}  (target ≤ ${RSS_TARGET_RATIO}: ≤ ${f1(nodeRed.rssAvgMB * RSS_TARGET_RATIO)} MB)  ${rssOk ? 'OK' : 'MISSED'}`);
    if (nodeRed.rssPeakMB !== null) line('  RSS peak', `${nodeRed.rssPeakMB} MB → ratio ${f2((figures.rssPeakMiB * MB_PER_MIB) / nodeRed.rssPeakMB)}`);
    console.log('');
    console.log('  sanity (the load really ran):');
    line('  telemetry received', `${f1(telemetryPerSecond)} messages/s, ${f1(samplesPerSecond)} samples/s (ref devices alone: ${refSamplesExpected}/s)`);
    line('  other streams received', Object.entries(s1.byStream).filter(([k]) => k !== 'telemetry').map(([k, v]) => `${k} ${v - (s0.byStream[k] ?? 0)}`).join(', ') || 'none');
    line('  late messages', `${s1.lateMessages - s0.lateMessages}; malformed ${s1.malformed - s0.malformed}`);
    line('  ref-device reads', `${f1(refRequestsPerSecond)}/s (expected ${(REF_DEVICES * 2 * 1000) / profile.pollIntervalMs}/s)`);
    line('  poll cycles', `${f1(perSecondOf(cycles(h0), cycles(h1)))}/s; missed slots ${missed}${missed > 0 ? ` (${missedByDevice(h0, h1)})` : ''}`);
    line('  poll errors (/health)', `${errors} in the window (${pollErrors(h1)} since start)`);
    line('  backlog rows', `${backlog0 ?? '?'} at the start → ${backlog1 ?? '?'} at the end (oldest ${h1?.uplink?.backlogAgeMs ?? '?'} ms)`);
    line('  store writer', h1?.store ? `queued ${h1.store.queued}, dropped ${h1.store.dropped}, failed writes ${h1.store.failedWrites}` : '?');
    if (il) {
      line('  headcount', `${il.headcount ?? '?'} (${il.headcountConfirmed ? 'confirmed' : 'unconfirmed'}); entries ${underground.stats.entries}, exits ${underground.stats.exits}, moves ${underground.stats.moves}`);
      line('  decisions', `${f1(perSecondOf(h0?.interlocks?.decisions ?? 0, il.decisions))}/s; latency p50 ${il.decisionLatency.p50Ms ?? '?'} ms, p99 ${il.decisionLatency.p99Ms ?? '?'} ms, max ${il.decisionLatency.maxMs ?? '?'} ms`);
      line('  permit', `${il.permitted === null ? '?' : il.permitted ? 'permitted' : `not permitted (${il.permitReasons.join('; ')})`}`);
      line('  active alarms', `${il.activeAlarms}${il.alarms.length > 0 ? `: ${il.alarms.slice(0, 8).map((a) => `${a.kind}/${a.severity}/${a.state}`).join(', ')}${il.alarms.length > 8 ? ', …' : ''}` : ''}`);
      if (il.outputFaults.length > 0) line('  output faults', JSON.stringify(il.outputFaults).slice(0, 300));
    }
    if (h1 && !h1.ready) line('  /health not ready', (h1.reasons ?? []).join('; '));
    line('  agent exit', `${exit} after SIGTERM`);
    if (args['cpu-prof']) line('  CPU profile', `in ${resolve(args['cpu-prof'])}`);
    if (args['heap-prof']) line('  heap profile', `in ${resolve(args['heap-prof'])}`);
    if (args['memory-probe']) line('  memory probe', memoryProbeSummary(join(dir, 'memory-probe.jsonl')));

    // The store writer commits the cycles of store.flushIntervalMs together, so up to that many
    // telemetry rows appear in the outbox at once: a backlog of one or two batches is not growing.
    const batchRows = Math.ceil(perSecondOf(cycles(h0), cycles(h1)) * (flushIntervalMs / 1000));
    const loadRan = samplesPerSecond >= refSamplesExpected * 0.95 && errors === 0 && (backlog1 ?? Infinity) <= Math.max(50, (backlog0 ?? 0) * 2, 2 * batchRows);
    if (!loadRan) console.log('\n  THE LOAD DID NOT RUN AS MEANT (telemetry short, poll errors or a growing backlog): the figures above do not hold.');
    if (args.json) {
      console.log(
        JSON.stringify({
          profile: profileName,
          interlocks: withInterlocks,
          board: board1.status,
          cpuPercent: figures.cpuPercent,
          rssAvgMiB: figures.rssAvgMiB,
          agentNodeOptions: [...SERVICE_OPTIONS, ...(args['agent-node-option'] ?? [])],
          rssPeakMiB: figures.rssPeakMiB,
          cpuRatio,
          rssRatio,
          telemetrySamplesPerSecond: samplesPerSecond,
          pollErrors: errors,
          missedSlots: missed,
          backlogRows: backlog1,
          headcount: il?.headcount ?? null,
          activeAlarms: il?.activeAlarms ?? null,
        }),
      );
    }
    return loadRan ? 0 : 1;
  } finally {
    if (agent && agent.child.exitCode === null && agent.child.signalCode === null) {
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // best effort: the rest still gets stopped
      }
    }
    if (args.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
