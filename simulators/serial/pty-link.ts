/**
 * A SerialLink over the simulator's end of a pty pair, opened with the serialport package (the
 * one the agent's serial drivers use), not locked: the pty belongs to this process alone anyway.
 */
import { SerialPort } from 'serialport';
import type { SerialLink } from './serial-link.js';

export async function openPtyLink(path: string, baudRate = 19200): Promise<SerialLink> {
  const port = new SerialPort({ path, baudRate, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(new Error(`cannot open ${path}: ${error.message}`)) : resolve())));
  // A pty whose far end is closed reports errors; the simulator keeps serving until it is stopped.
  port.on('error', () => {});
  return {
    write: (bytes) => {
      port.write(bytes);
    },
    onData: (listener) => {
      port.on('data', listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) {
          resolve();
          return;
        }
        port.close(() => resolve());
      }),
  };
}
