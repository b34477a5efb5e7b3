/**
 * Listening and graceful shutdown, shared by every HTTP edge (the API, the S3 gateway, the agent): a stop lets
 * requests in flight finish (up to a grace period, then connections are cut) and refuses nothing half-way.
 */
import type { Server, ServerResponse } from 'node:http';

/** Binds `server`; resolves with the address actually bound (port 0 → the ephemeral port). */
export function listenOn(server: Server, host: string, port: number): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? { host: addr.address, port: addr.port } : { host, port });
    });
  });
}

export interface Drain {
  /** True once `close` began: readiness probes answer 503 from then on. */
  readonly closing: boolean;
  /** Counts the response as in flight until it closes; then calls `onClose` (one listener for both). */
  track(res: ServerResponse, onClose?: () => void): void;
  /** Stops accepting, waits for the requests in flight (at most `graceMs`, then cuts connections). */
  close(graceMs?: number): Promise<void>;
}

export function drainable(server: Server): Drain {
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  return {
    get closing() {
      return closing;
    },
    track(res, onClose) {
      inFlight++;
      res.on('close', () => {
        inFlight--;
        onClose?.();
        if (closing && inFlight === 0) drained?.();
      });
    },
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        const done = new Promise<void>((r) => {
          if (inFlight === 0) r();
          else drained = r;
        });
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        void done.then(() => {
          clearTimeout(timer);
          server.closeIdleConnections();
        });
      }),
  };
}
