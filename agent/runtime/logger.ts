import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout: the journal keeps them under systemd; `pino-pretty` can read them.
 * Synchronous writes so a crash or a stop never loses the last lines.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
}

/** A logger that drops everything, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
