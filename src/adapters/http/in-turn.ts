/**
 * A connection's pipelined requests served one at a time, on every port (the `--listen` edge, review uq, 2; the job
 * credential ports and the S3 gateway, review uw, 1 and 2), with a bound on what waits its turn. Node starts a
 * request's handler as soon as its head is read, so the requests a client pipelined ran at once: a read sent after a
 * write on one connection was decided before the write was made, though answered after it, and a request after one
 * whose answer closes the connection (its `Connection: close`, a refused Host, a body over the budget) was carried out
 * and never answered, which RFC 9112 §9.6 forbids ("MUST NOT process any further requests"); §9.3.2 lets a server
 * process only safe requests in parallel. One at a time, as Go's net/http and nginx serve a connection. Node reads and
 * parses every request a client pipelines as soon as it comes, whatever is still being answered before it, and pauses
 * only while answers it could not send pile up; the requests waiting their turn were held without bound: behind one
 * that writes nothing for a while (a node agent asking the server, a request waiting on the database), or simply sent
 * faster than they are served, one connection held 200,000 requests (about 500 MB) for the 30 MB its client sent
 * (review uz, 3). Past `MAX_WAITING_REQUESTS` requests, or `MAX_WAITING_HEAD_BYTES` of their request lines and headers,
 * waiting on one connection, it is closed (what it holds freed at once): no SDK pipelines, and a client that does sends
 * a few requests, each within the heads' limit (16 KiB on these ports and on `--listen`). Request bodies need no bound
 * of their own: one not read yet stops Node reading the connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Requests that may wait their turn on one connection. */
export const MAX_WAITING_REQUESTS = 32;
/** Bytes of the request lines and headers (as Node's parser counts them) of the requests waiting on one connection. */
export const MAX_WAITING_HEAD_BYTES = 128 * 1024;

interface Waiting {
  requests: number;
  bytes: number;
}

const waitingOn = new WeakMap<Duplex, Waiting>();

const headBytes = (req: IncomingMessage): number => {
  let bytes = (req.method?.length ?? 0) + (req.url?.length ?? 0);
  for (const part of req.rawHeaders) bytes += part.length;
  return bytes;
};

/**
 * Whether `req` was pipelined behind a request of its connection not yet answered (its response has no socket yet:
 * Node gives it the socket once the answers before it are sent); then `serve` is called with it once they are, and
 * never if one of them closes the connection, or if too many wait (the connection is closed).
 */
export function waitsItsTurn(req: IncomingMessage, res: ServerResponse, serve: (req: IncomingMessage, res: ServerResponse) => void): boolean {
  if (res.socket !== null) return false;
  const socket = req.socket;
  let waiting = waitingOn.get(socket);
  if (waiting === undefined) waitingOn.set(socket, (waiting = { requests: 0, bytes: 0 }));
  const bytes = headBytes(req);
  if (waiting.requests + 1 > MAX_WAITING_REQUESTS || waiting.bytes + bytes > MAX_WAITING_HEAD_BYTES) {
    socket.destroy();
    return true;
  }
  waiting.requests += 1;
  waiting.bytes += bytes;
  const w = waiting;
  res.once('socket', () => {
    w.requests -= 1;
    w.bytes -= bytes;
    serve(req, res);
  });
  return true;
}
