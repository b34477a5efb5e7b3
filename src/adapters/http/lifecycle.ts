/**
 * Listening and graceful shutdown, shared by every HTTP edge (the API, the S3 gateway, the agent): a stop lets
 * requests in flight finish (up to a grace period, then connections are cut) and refuses nothing half-way.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a stopping edge lets requests in flight finish before it cuts their connections. */
export const DEFAULT_GRACE_MS = 10_000;

/** At most one line this often about a port's errors once bound; the others are counted into the next line. */
const ERROR_LOG_EVERY_MS = 5_000;

/**
 * Binds `server`; resolves with the address actually bound (port 0 → the ephemeral port). An error before it is bound
 * (EADDRINUSE, EACCES) rejects; one after (a connection `accept` fails on: a pending network error Linux passes as
 * accept's own, EPROTO, ENETUNREACH, EPERM from a firewall rule; ENOBUFS, ENOMEM) is said through `log`, at most one line
 * every 5 s with the count of the others, and the port keeps listening, as Node's server does after one (net's
 * `onconnection` emits it and returns). The bind's listener, left in place, swallowed the first such error unsaid, and
 * the second, no listener left, was an uncaught 'error' event that ended the server (review rv, 1).
 */
export function listenOn(server: Server, host: string, port: number, log?: (line: string) => void): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      sayErrorsOnceBound(server, log);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? { host: addr.address, port: addr.port } : { host, port });
    });
  });
}

/**
 * Says each error of a bound `server` (see `listenOn`) through `log` (default: a line on stderr), at most one line every
 * 5 s with the count of the others. For a server bound without `listenOn`, once its bind's own listener is removed.
 */
export function sayErrorsOnceBound(server: Server, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  const addr = server.address();
  const where = typeof addr === 'object' && addr ? `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}` : String(addr);
  let saidAt = -Infinity;
  let unsaid = 0;
  server.on('error', (e: Error) => {
    const now = Date.now();
    if (now - saidAt < ERROR_LOG_EVERY_MS) {
      unsaid++;
      return;
    }
    saidAt = now;
    const more = unsaid > 0 ? ` (and ${unsaid} more since the last line)` : '';
    unsaid = 0;
    log(`listener on ${where}: ${e.message}${more}; that connection was lost, the port still listens`);
  });
}

/** Closes `server` at once, cutting its connections (nothing in flight is waited for); the same promise every call. */
export function closerOf(server: Server): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
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
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  let drained: (() => void) | undefined;
  return {
    get closing() {
      return closing;
    },
    track(res, onClose) {
      inFlight.add(res);
      // A request that arrives once the stop began (pipelined on a connection being answered) is answered, and closes it.
      if (closing) res.shouldKeepAlive = false;
      res.on('close', () => {
        inFlight.delete(res);
        onClose?.();
        if (closing && inFlight.size === 0) drained?.();
      });
    },
    close: (graceMs = DEFAULT_GRACE_MS) =>
      new Promise<void>((resolve) => {
        closing = true;
        // Answers not begun yet say `Connection: close` and close their connection after them, as Go's `Shutdown` and
        // nginx do: said keep-alive, a client sent its next request on the connection, which was served while any other
        // request was in flight, for the whole grace, whose end then cut what it was serving (review ky, 2).
        for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
        // The grace holds until every connection is closed, not only until the tracked responses are done: `close`
        // waits for a connection still sending its headers, or a body its answer left unread, and Node no longer
        // enforces its header and request timeouts on a server closing (they run on a timer `close` stops), so one
        // slow client held the stop for as long as it kept sending (review ct, 4).
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
        const done = new Promise<void>((r) => {
          if (inFlight.size === 0) r();
          else drained = r;
        });
        void done.then(() => server.closeIdleConnections());
      }),
  };
}

/**
 * Ends the response with `body` at the end of this turn of the event loop (`setImmediate`), where every response
 * ended this way in the turn leaves, one after the other. Ended one at a time, each small answer on loopback wakes
 * its idle client before the server decides the next request, and on a VM that wake-up costs more than the
 * decision (docs/benchmarks.md, "Authorize API"); held, the clients are woken once a turn. The head is written
 * now (`writeHead` before this), so `headersSent` is true at once; only the bytes wait, at most one turn: the
 * requests Node read in that turn, decided from memory. (Corking the socket instead does not hold them: Node's
 * `end` uncorks the socket fully.) A response whose client went away meanwhile is not written.
 */
export function endThisTurn(res: ServerResponse, body: string): void {
  if (held.push(res, body) === 2) setImmediate(releaseHeld);
}

/** Responses and their bodies, alternating. */
let held: Array<ServerResponse | string> = [];

function releaseHeld(): void {
  const h = held;
  held = [];
  for (let i = 0; i < h.length; i += 2) {
    const res = h[i] as ServerResponse;
    if (!res.destroyed) res.end(h[i + 1] as string);
  }
}

/**
 * The `code` a request is timed under when its connection closes: its status once the answer began, else 499 (nginx's
 * "client closed request"): the client left before any answer (a timeout while the database hung, a body cut short).
 * Timed only when sent in full, an abandoned request was in no series at all, and the slow tail of a brownout vanished
 * from the histogram (review ht, 1).
 */
export const CLIENT_CLOSED = 499;
export function timedStatus(res: { readonly headersSent: boolean; readonly statusCode: number }): number {
  return res.headersSent ? res.statusCode : (answeredOnSocket.get(res) ?? CLIENT_CLOSED);
}

/** Responses answered by bytes written on their socket, not through them (`answeredRaw`), and the status written. */
const answeredOnSocket = new WeakMap<object, number>();

/**
 * Notes that the request of `res` (a connection's `_httpMessage`, if any) was answered `status` on its socket (a
 * `clientError` listener's 408 when the request timeout passes): timed under it, not as a client that left. The
 * server's own 408 was `code="499"` (review nx, 1).
 */
export function answeredRaw(res: object | null | undefined, status: number): void {
  if (res !== null && res !== undefined) answeredOnSocket.set(res, status);
}

/**
 * llhttp's error for bytes after a request that said `Connection: close` (a client that pipelined past it, a stray CRLF
 * after a body): they are ignored, as RFC 9112 §9.6 has a server ignore what follows that request, and the connection
 * closes once its answer is sent (Node ends a connection after an answer that says close). Taken as a broken request,
 * the socket was destroyed: the request's answer, not written yet (a handler awaiting the store) or held to the end of
 * the turn (`endThisTurn`), was lost or became a bare 400 (review uq, 3).
 */
export const CLOSED_CONNECTION = 'HPE_CLOSED_CONNECTION';

/**
 * A `clientError` listener's answer, written on the socket before it is destroyed (none once a response began): Node's
 * own bare status, but for the request line and headers past the limit (`headersTooLarge`: the server's error shape)
 * and the request timeout (`timedOut`, timed under 408 by `answeredRaw`); nothing for bytes after `Connection: close`
 * (`CLOSED_CONNECTION`). The HTTP edge's (http/server.ts) and the credential ports' (agent/imds.ts).
 */
export function answerClientError(
  e: Error & { code?: string },
  socket: Duplex & { _httpMessage?: { headersSent?: boolean } | null },
  answers: { readonly headersTooLarge: () => string; readonly timedOut: () => string },
): void {
  if (e.code === CLOSED_CONNECTION) return;
  if (socket.writable && !(socket._httpMessage?.headersSent ?? false)) {
    if (e.code === 'HPE_HEADER_OVERFLOW') socket.write(answers.headersTooLarge());
    else if (e.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      answeredRaw(socket._httpMessage, 408);
      socket.write(answers.timedOut());
    } else socket.write(e.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  }
  socket.destroy();
}

/**
 * The `Retry-After` of every 503 the `--listen` port answers (the edge, and the listener that answers while the database
 * is awaited): RFC 9110 §10.2.3. Kubernetes' REST client, which kube-apiserver calls the webhooks with, retries a 5xx only
 * when it carries one (k8s.io/client-go rest `checkWait`), and the gatehouse CLI waits what it says (review mj, 2).
 */
export const RETRY_AFTER_SECONDS = '1';

/**
 * The body of a `/readyz` 503 (the edge's, `--health-listen`'s and the waiting listener's): `not ready`, and why when it
 * is known, as Kubernetes' own `/readyz` names its failed checks. It said `not ready` alone, so an operator whose pod
 * left its Service read the server's log to tell a start still loading from a stop, a database awaited or a state past
 * `--max-staleness` (review uq, 8). Nothing secret: no address, no name of the database.
 */
export function notReadyText(why: string | undefined): string {
  return why === undefined ? 'not ready\n' : `not ready: ${why}\n`;
}
