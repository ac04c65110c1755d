/**
 * Resolves on the first SIGTERM or SIGINT. A second signal while stopping means the person (or
 * systemd) has lost patience: exit at once. A hard deadline guards against a stop that hangs.
 */
export function waitForStopSignal(onForcedExit: (signal: string) => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) {
        onForcedExit(signal);
        process.exit(130);
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}

/** Exits with `code` after `ms` unless the process ended by itself first. */
export function armHardExit(ms: number, code: number, onFire: () => void): NodeJS.Timeout {
  const timer = setTimeout(() => {
    onFire();
    process.exit(code);
  }, ms);
  timer.unref();
  return timer;
}
