/**
 * Wires the agent together and owns its lifecycle. Data flows one way:
 * drivers → scheduler → point table (in memory, immediately) and store writer (bounded queue) →
 * SQLite outbox → forwarder → MQTT. Nothing on the left waits for anything on the right.
 */
import type { Config } from '../../config/schema.js';
import { createDriver } from '../../drivers/factory.js';
import { SerialPortRegistry } from '../../drivers/serial/serial-port-registry.js';
import type { Driver } from '../../drivers/driver.js';
import { BoardHttp } from '../board/board-http.js';
import { InterlockBoardModel } from '../board/interlock-board-model.js';
import { ledgerAuditSink } from '../board/ledger-audit-sink.js';
import { NoAlarms } from '../commands/alarm-acknowledger.js';
import { loadCommandKeys } from '../commands/command-keys.js';
import { CommandService } from '../commands/command-service.js';
import { RuntimeSettings } from '../commands/runtime-settings.js';
import { DurationHistogram } from '../http/duration-histogram.js';
import { DEFAULT_DECISION_COALESCE_MS, InterlockRuntime } from '../interlocks/interlock-runtime.js';
import { startHttpServer, type HealthReport, type HttpServerHandle } from '../http/http-server.js';
import { renderAgentMetrics, type MetricsSource } from '../http/metrics.js';
import type { Clock } from '../model/clock.js';
import type { PollCycle } from '../model/sample.js';
import { PollScheduler } from '../scheduler/poll-scheduler.js';
import { PointTable } from '../state/point-table.js';
import { Store } from '../store/store.js';
import { StoreWriter } from '../store/store-writer.js';
import { Forwarder } from '../upstream/forwarder.js';
import type { Logger } from './logger.js';
import { packageVersion } from './package-info.js';
import type { PollProgress } from './systemd-watchdog.js';

/** A poll loop that has not completed any cycle for this long is not live (a silent stall). */
const STALL_FACTOR = 5;
const HISTORY_PRUNE_INTERVAL_MS = 3_600_000;
/** Store upkeep (statistics of silent points, disk budget, WAL checkpoint, old nonces). */
const STORE_MAINTENANCE_INTERVAL_MS = 60_000;

export interface AgentDeps {
  clock: Clock;
  logger: Logger;
  /** Folder relative interlock file paths are resolved against (config/load.ts makes them absolute already); default the working directory. */
  configDir?: string;
}

export interface StopReport {
  durationMs: number;
  pollsDrained: boolean;
  outboxRows: number;
}

export class Agent {
  private readonly pointTable: PointTable;
  private readonly drivers: Driver[];
  private readonly serialPorts: SerialPortRegistry;
  private readonly scheduler: PollScheduler;
  private store: Store | null = null;
  private writer: StoreWriter | null = null;
  private forwarder: Forwarder | null = null;
  private http: HttpServerHandle | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private commands: CommandService | null = null;
  private runtimeSettings: RuntimeSettings | null = null;
  /** Headcount, interlocks, alarms and outputs; null when the config has no `interlocks` section. */
  private interlocks: InterlockRuntime | null = null;
  /** The shaft-head board at / (null when `board.enabled` is false). */
  private board: { http: BoardHttp; model: InterlockBoardModel } | null = null;
  private readonly startedAt: number;
  private readonly stallAfterMs: number;
  private stopping = false;
  /** Per-device poll cycle durations for /metrics. */
  private readonly pollCycleDurations = new DurationHistogram('device');
  /** Alarm and headcount figures for /metrics; set by the interlock wiring. */
  private metricsSource: MetricsSource | undefined;

  constructor(
    private readonly config: Config,
    private readonly deps: AgentDeps,
  ) {
    this.startedAt = deps.clock.now();
    this.pointTable = new PointTable(config, deps.clock);
    // Serial ports are opened on first use, so constructing the agent opens nothing.
    this.serialPorts = new SerialPortRegistry(config.serialPorts, deps.clock, deps.logger.child({ component: 'serial' }));
    this.drivers = config.devices.map((device) => createDriver(device, deps.clock, deps.logger, this.serialPorts));
    this.scheduler = new PollScheduler({
      devices: config.devices.map((device, index) => ({ driver: this.drivers[index]!, pollIntervalMs: device.pollIntervalMs })),
      clock: deps.clock,
      logger: deps.logger.child({ component: 'scheduler' }),
      onCycle: (cycle) => this.onCycle(cycle),
    });
    const slowest = Math.max(...config.devices.map((d) => d.pollIntervalMs + d.timeoutMs * (d.retries + 1)));
    this.stallAfterMs = Math.max(10_000, slowest * STALL_FACTOR);
  }

  /** Opens the store and the HTTP server, then starts polling and forwarding. Throws on start-up failure. */
  async start(): Promise<void> {
    const { clock, logger } = this.deps;
    // Before anything opens: a bad platform key is a config error the electrician must see at once.
    const commandKeys = loadCommandKeys(this.config.platform.commandKeys);
    this.store = Store.open(this.config.store, { clock, logger: logger.child({ component: 'store' }) });
    const store = this.store;
    const commandLogger = logger.child({ component: 'commands' });
    this.runtimeSettings = RuntimeSettings.fromStored(store.commandLedger.settings(), (name, error) =>
      commandLogger.error({ err: error, setting: name }, `runtime setting "${name}" in the store is unreadable; using its default until the platform sends it again`),
    );
    const settings = this.runtimeSettings;
    if (this.config.interlocks) {
      // Loads layout and roster (errors name file and line) and restores the saved headcount and alarms.
      this.interlocks = new InterlockRuntime({
        config: this.config.interlocks,
        devices: this.config.devices,
        configDir: this.deps.configDir ?? process.cwd(),
        clock,
        logger: logger.child({ component: 'interlocks' }),
        pointTable: this.pointTable,
        settings: () => settings.snapshot,
        driverOf: (deviceId) => this.drivers.find((driver) => driver.deviceId === deviceId),
        agentProblems: () => this.agentProblems(),
        store,
        onOutbox: () => this.forwarder?.notify(),
        decisionCoalesceMs: DEFAULT_DECISION_COALESCE_MS,
      });
      this.metricsSource = this.interlocks.metricsSource();
    }
    this.commands = new CommandService({
      store,
      settings: this.runtimeSettings,
      keys: commandKeys,
      platform: this.config.platform,
      alarms: this.interlocks?.alarms ?? new NoAlarms(),
      snapshot: () => this.pointTable.snapshot(),
      clock,
      logger: commandLogger,
      onOutbox: () => this.forwarder?.notify(),
    });
    const commands = this.commands;
    this.forwarder = new Forwarder({
      onCommand: (payload) => commands.handle(payload),
      mqtt: this.config.mqtt,
      gateway: this.config.gateway,
      outbox: this.store,
      clock,
      logger: logger.child({ component: 'forwarder' }),
    });
    const forwarder = this.forwarder;
    this.writer = new StoreWriter(this.store, {
      maxPendingCycles: this.config.store.maxPendingCycles,
      flushIntervalMs: this.config.store.flushIntervalMs,
      // Interlocks first: a decision waiting for coalesced cycles is made before the write holds the loop.
      beforeWrite: () => this.interlocks?.settlePending(),
      logger: logger.child({ component: 'store-writer' }),
      onWritten: () => forwarder.notify(),
    });
    this.board = this.config.board.enabled ? this.createBoard(store, settings, forwarder) : null;
    this.http = await startHttpServer(this.config.http.host, this.config.http.port, {
      health: () => this.health(),
      state: () => this.state(),
      metrics: () => this.metrics(),
      ...(this.board ? { board: this.board.http } : {}),
    }, logger.child({ component: 'http' }));
    this.forwarder.start();
    this.interlocks?.start();
    this.scheduler.start();
    this.maintenanceTimer = setInterval(() => {
      try {
        store.maintenance(clock.now());
        commands.pruneNonces();
        forwarder.notify(); // statistics or eviction events may have been queued
      } catch (error) {
        logger.error({ err: error }, 'store maintenance failed; it is tried again in a minute');
      }
    }, STORE_MAINTENANCE_INTERVAL_MS);
    this.maintenanceTimer.unref();
    this.pruneTimer = setInterval(() => {
      try {
        store.pruneHistory(clock.now());
      } catch (error) {
        logger.error({ err: error }, 'pruning history failed; it will be tried again in an hour');
      }
    }, HISTORY_PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    logger.info(
      { devices: this.config.devices.length, points: this.config.devices.reduce((n, d) => n + d.points.length, 0), http: this.http.url, mqtt: this.config.mqtt.url },
      'shaftgate agent started',
    );
  }

  /** Quotas, suspension, weather alerts and roster as set by the platform; null before start(). */
  get settings(): RuntimeSettings | null {
    return this.runtimeSettings;
  }

  /** The poll loop's proof of life, for the systemd watchdog. */
  get pollProgress(): PollProgress {
    return { sinceLastProgressMs: () => this.scheduler.sinceLastProgressMs() };
  }

  /** Lets the interlock side publish active alarms and headcount on /metrics. */
  setMetricsSource(source: MetricsSource): void {
    this.metricsSource = source;
  }

  /** The interlock runtime (board model, manual ban, latency); null without an `interlocks` section or before start(). */
  get interlockRuntime(): InterlockRuntime | null {
    return this.interlocks;
  }

  get httpUrl(): string | null {
    return this.http?.url ?? null;
  }

  /** The shaft-head board's address (the HTTP server's root); null when the board is off or before start(). */
  get boardUrl(): string | null {
    return this.board && this.http ? `${this.http.url}/` : null;
  }

  /**
   * Clean stop: no new polls, wait for the ones on the wire, write everything they produced to the
   * store, give the forwarder what is left of the deadline, publish "offline", close.
   * Whatever is not acknowledged by then stays in the outbox and is sent after the next start.
   */
  async stop(deadlineMs = 4000): Promise<StopReport> {
    const { clock, logger } = this.deps;
    if (this.stopping) return { durationMs: 0, pollsDrained: true, outboxRows: -1 };
    this.stopping = true;
    const begun = clock.monotonic();
    const remaining = () => Math.max(0, deadlineMs - (clock.monotonic() - begun));
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    await this.scheduler.stop(Math.min(2000, remaining()));
    const pollsDrained = this.scheduler.stats().every((s) => !s.polling);
    // Before the drivers close: the permit goes to "not permitted" and the state is saved.
    await this.interlocks?.stop(Math.min(1000, Math.max(200, remaining())));
    await Promise.all(this.drivers.map((driver) => driver.close()));
    await this.serialPorts.closeAll();
    this.writer?.flush();
    await this.forwarder?.stop(Math.max(200, remaining() - 300));
    // The board's live streams end before the server closes, so screens show "data lost" at once.
    this.board?.http.close();
    this.board?.model.close();
    await this.http?.close();
    const outboxRows = this.store?.stats().rows ?? 0;
    this.store?.close();
    const durationMs = Math.round(clock.monotonic() - begun);
    logger.info({ durationMs, pollsDrained, outboxRows }, 'shaftgate agent stopped');
    return { durationMs, pollsDrained, outboxRows };
  }

  health(): HealthReport {
    const reasons: string[] = [];
    const sinceProgress = this.scheduler.sinceLastProgressMs();
    const live = sinceProgress <= this.stallAfterMs && !this.stopping;
    if (!live) reasons.push(this.stopping ? 'agent is stopping' : `no poll cycle completed for ${Math.round(sinceProgress)} ms (poll loop stalled?)`);
    // A write-only device (the LED board) has nothing to read, so nothing can go stale.
    const readDevices = new Set(this.config.devices.filter((d) => d.points.length > 0).map((d) => d.id));
    for (const device of this.pointTable.staleDevices().filter((d) => readDevices.has(d.deviceId))) {
      // Without positioning nobody knows who is underground: say so, not just "a device is stale".
      const consequence = device.system === 'personnel_positioning' ? '; personnel positioning (人员定位) is stale: who is underground is unknown' : '';
      reasons.push(
        device.lastGoodCycleAt === null
          ? `device ${device.deviceId} (${device.system}) has not answered yet${consequence}`
          : `device ${device.deviceId} (${device.system}) has not answered for ${this.deps.clock.now() - device.lastGoodCycleAt} ms (deadline ${device.staleAfterMs} ms)${consequence}`,
      );
    }
    const writerStats = this.writer?.stats();
    if (writerStats?.lastError) reasons.push(`store: ${writerStats.lastError}`);
    if (this.interlocks) reasons.push(...this.interlocks.healthReasons());
    return {
      live,
      ready: live && reasons.length === 0,
      reasons,
      uptimeMs: this.deps.clock.now() - this.startedAt,
      devices: this.drivers.map((driver) => driver.stats()),
      schedule: this.scheduler.stats(),
      store: writerStats ?? null,
      uplink: this.forwarder?.stats() ?? null,
      commands: this.commands?.stats() ?? null,
      disk: this.storeDiskReport(),
      interlocks: this.interlocks?.health() ?? null,
    };
  }

  /** Prometheus text for /metrics. */
  metrics(): string {
    const health = this.health();
    return renderAgentMetrics({
      live: health.live,
      ready: health.ready,
      uptimeMs: this.deps.clock.now() - this.startedAt,
      version: packageVersion(),
      devices: this.drivers.map((driver) => driver.stats()),
      deviceSystems: new Map(this.config.devices.map((d) => [d.id, d.system])),
      staleDeviceIds: new Set(this.pointTable.staleDevices().map((d) => d.deviceId)),
      schedule: this.scheduler.stats(),
      pollCycleDurations: this.pollCycleDurations,
      store: this.writer?.stats() ?? null,
      storeDisk: this.storeDiskUsage(),
      uplink: this.forwarder?.stats() ?? null,
      commands: this.commands?.stats() ?? null,
      interlocks: this.metricsSource,
    });
  }

  state(): unknown {
    return { gateway: this.config.gateway, at: this.deps.clock.now(), devices: this.pointTable.deviceStates(), points: this.pointTable.snapshot() };
  }

  private storeDiskReport(): unknown {
    try {
      return this.store === null ? null : { ...this.store.diskUsage(), evictions: this.store.evictionTotals() };
    } catch {
      return null; // closed or failing; the writer reports store errors
    }
  }

  private storeDiskUsage(): { usedBytes: number; budgetBytes: number } | null {
    try {
      return this.store?.diskUsage() ?? null;
    } catch {
      return null; // closed or failing; the writer reports store errors
    }
  }

  /** The board over the interlocks (or, without them, over the systems and uplink only); actions audited in the store. */
  private createBoard(store: Store, settings: RuntimeSettings, forwarder: Forwarder): { http: BoardHttp; model: InterlockBoardModel } {
    const { clock, logger } = this.deps;
    const model = new InterlockBoardModel({
      config: this.config,
      clock,
      interlocks: this.interlocks,
      settings: () => settings.snapshot,
      onSettingsChange: (listener) => settings.onChange(listener),
      devices: this.pointTable,
      uplink: () => forwarder.stats(),
    });
    // appendAudit: the audit table and the audit stream upstream, like the platform's commands.
    const audit = ledgerAuditSink({ audit: (entry) => (store.appendAudit(entry), 0) });
    return { model, http: new BoardHttp({ model, config: this.config.board, audit, logger: logger.child({ component: 'board' }), now: () => clock.now() }) };
  }

  /** What makes the agent itself unfit to enforce the interlocks: the permit goes to "not permitted". */
  private agentProblems(): string[] {
    const problems: string[] = [];
    if (this.stopping) problems.push('agent is stopping');
    const sinceProgress = this.scheduler.sinceLastProgressMs();
    if (sinceProgress > this.stallAfterMs) problems.push(`no poll cycle completed for ${Math.round(sinceProgress)} ms (poll loop stalled?)`);
    return problems;
  }

  private onCycle(cycle: PollCycle): void {
    const landed = this.deps.clock.monotonic();
    this.pollCycleDurations.observe(cycle.deviceId, (cycle.finishedAt - cycle.startedAt) / 1000);
    this.pointTable.apply(cycle);
    // Interlocks before the store: they decide and issue output writes from memory, never waiting.
    this.interlocks?.onCycle(cycle, landed);
    this.writer?.enqueue(cycle);
  }
}
