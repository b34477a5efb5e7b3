/**
 * A connection cap that makes room for a new connection: at the cap, the oldest connection that is not being answered
 * (still sending its request, or idle between requests) is closed for the new one. Node's `maxConnections` closes the
 * new one instead, so whoever holds the cap with connections that never finish a request (slowloris) keeps everyone
 * else out for as long as they keep them open, opening them again as the headers timeout cuts them (review ja, 1 and 7).
 * Here a client that sends its request at once is answered whatever the others hold: it is the newest, and once its
 * request is in it is being answered, which is never cut (nor while a request pipelined behind it waits its turn);
 * when every connection is being answered, the new one is closed. For ports whose requests are small and answered at
 * once (probes, credential endpoints): a port whose requests may take long to send (an upload) keeps Node's cap. Plain
 * HTTP only: on an HTTPS server `connection` gives the TCP socket and a request the TLS socket over it, which this
 * would not match.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export function capConnections(server: Server, max: number, onFull?: (closed: 'oldest' | 'new') => void): void {
  // Insertion order: the first idle one found is the oldest.
  const open = new Set<Socket>();
  // Per connection, its requests not yet answered: one pipelined behind an answer sent is still being answered. A
  // connection was taken as idle once one answer was sent, and cut at the cap while serving the next (review uz, 2).
  const answering = new WeakMap<Socket, number>();
  server.maxConnections = Infinity;
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    if (open.size <= max) return;
    let oldest: Socket | undefined;
    for (const s of open) {
      if (s !== socket && !answering.has(s)) {
        oldest = s;
        break;
      }
    }
    const cut = oldest ?? socket;
    open.delete(cut);
    cut.destroy();
    onFull?.(oldest === undefined ? 'new' : 'oldest');
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (answering.get(socket) ?? 1) - 1;
      if (left > 0) answering.set(socket, left);
      else answering.delete(socket);
    });
  });
}
