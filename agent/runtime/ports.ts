import net from 'node:net';

/** Binds `preferred` on `host` if it is free, otherwise any free port; returns the bound server. */
export async function listenPreferred(server: net.Server, host: string, preferred: number): Promise<number> {
  const attempt = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  try {
    return await attempt(preferred);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return attempt(0);
  }
}

/** A port that was free a moment ago: `preferred` when possible. For handing to another component. */
export async function pickPort(host: string, preferred: number): Promise<number> {
  const probe = net.createServer();
  const port = await listenPreferred(probe, host, preferred);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
