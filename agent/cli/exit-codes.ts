/** Exit codes of the `shaftgate` command. Documented in README.md ("CLI"); keep both in step. */
export const ExitCode = {
  /** Done, or stopped cleanly by SIGTERM/SIGINT. */
  ok: 0,
  /** An unexpected internal failure; the log says what. systemd restarts the agent. */
  internalError: 1,
  /** The command line was wrong (unknown subcommand or option, missing argument). */
  usage: 2,
  /** The configuration file is missing, unreadable or invalid; nothing was started. */
  configInvalid: 3,
  /** Start-up failed after the config was accepted (store, port in use, ...). */
  startupFailed: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where a command writes; injected so tests can capture it. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}
