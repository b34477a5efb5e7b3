/**
 * An HTTP proxy on 127.0.0.1 in front of a server: the agent tests' way to count, hold or move what a node agent sends
 * upstream (reviews ql, 2; ri, 3; ri, 4 each wrote it whole).
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';

export interface ForwardingProxy {
  readonly url: string;
  /** Ends every connection, the ones held unanswered among them. */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * Passes each request to `target()`, read at each request so that a test can move it (a restarted instance), after
 * `onRequest(req)`: false leaves the request unanswered (a server that hangs).
 */
export async function forwardingProxy(target: () => URL, onRequest: (req: IncomingMessage) => boolean = () => true): Promise<ForwardingProxy> {
  const server: Server = createServer((req, res) => {
    if (!onRequest(req)) return;
    const to = target();
    const up = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const at = server.address();
  if (typeof at !== 'object' || at === null) throw new Error('the proxy has no port');
  return {
    url: `http://127.0.0.1:${at.port}`,
    dropConnections: () => server.closeAllConnections(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
