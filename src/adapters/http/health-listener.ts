/**
 * `--health-listen HOST:PORT`: the probes and the metrics on a port of their own, as Kubernetes components serve them
 * (`--healthz-bind-address`). On the API's port they share its connection bound (`GATEHOUSE_MAX_CONNECTIONS`): an
 * instance at the bound dropped its own liveness probes, and the kubelet restarted a server for being busy, which
 * moved its load onto the others. This listener has its own small bound and short timeouts, and answers only
 *   GET /healthz  200 while the process runs
 *   GET /readyz   200 once the server is ready (its directory loaded, not draining), else 503
 *   GET /metrics  the Prometheus exposition (from the start: process metrics while the database is awaited, review lm, 2)
 * and 404 to anything else. Plain HTTP, unauthenticated, as on the API's port: bind it where only the kubelet and
 * Prometheus reach it. Every request is timed (`timed`) as the same paths are on the API's port: they were counted
 * nowhere, so the readiness probes' 503s and the scrapes of the port they are sent to showed in no series (review vb, 1).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { answerClientError, closerOf, listenOn, notReadyText } from './lifecycle.ts';
import { capConnections } from './connection-cap.ts';
import { refusedForHost, toOriginForm } from './request-target.ts';
import { shownRequestPath } from '../../core/shown-url.ts';

export interface HealthSources {
  /** Whether the server is ready for traffic now. */
  ready(): Promise<boolean>;
  /** Why not, when it is not (`/readyz` says `not ready: <why>`). */
  notReadyBecause?(): string | undefined;
  /** The metrics exposition, once the server has metrics. */
  metrics(): Promise<{ readonly body: string; readonly contentType: string }> | undefined;
  /** Sees every request before it is answered (the server times it: `gatehouse_http_request_duration_seconds`). */
  timed?(req: IncomingMessage, res: ServerResponse): void;
}

export interface HealthListener {
  readonly port: number;
  close(): Promise<void>;
}

/** Connections the listener keeps at once: probes and scrapes, a few at a time. */
export const HEALTH_MAX_CONNECTIONS = 64;
/** A probe's request line and headers must arrive within this long of its connection (or of its previous answer). */
export const HEALTH_HEADERS_TIMEOUT_MS = 5_000;
/** A probe's whole request must arrive within this long. */
const HEALTH_REQUEST_TIMEOUT_MS = 10_000;
/** A probe's request line and headers: a few hundred bytes. */
const HEALTH_MAX_HEADER_SIZE = 8192;

export async function listenForHealth(at: { host: string; port: number }, sources: HealthSources, log?: (line: string) => void): Promise<HealthListener> {
  const reply = (res: ServerResponse, status: number, type: string, body: string): void => {
    // As `--listen` answers the same paths (review uq, 5): a probe's or a scrape's answer is of now, never one a cache
    // between kept (a readiness said once, metrics of a minute ago), and never sniffed (the 404 echoes the path).
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    sources.timed?.(req, res);
    if (refusedForHost(req, res)) return;
    toOriginForm(req);
    req.resume();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && path === '/healthz') return reply(res, 200, 'text/plain', 'ok\n');
    if (get && path === '/readyz') {
      void sources.ready().then(
        (ready) => reply(res, ready ? 200 : 503, 'text/plain', ready ? 'ready\n' : notReadyText(sources.notReadyBecause?.())),
        () => reply(res, 503, 'text/plain', notReadyText('its readiness could not be read')),
      );
      return;
    }
    if (get && path === '/metrics') {
      const m = sources.metrics();
      if (m === undefined) return reply(res, 503, 'text/plain', 'starting: no metrics yet\n');
      void m.then(
        (x) => reply(res, 200, x.contentType, x.body),
        () => reply(res, 500, 'text/plain', 'the metrics could not be rendered\n'),
      );
      return;
    }
    // Another method on one of them is 405 with Allow (RFC 9110 §15.5.6), not 404 (review fq, 3).
    if (path === '/healthz' || path === '/readyz' || path === '/metrics') {
      res.setHeader('allow', 'GET, HEAD');
      return reply(res, 405, 'text/plain', `${req.method ?? ''} is not allowed on ${path}; use GET, HEAD\n`);
    }
    reply(res, 404, 'text/plain', `no route for ${req.method ?? ''} ${shownRequestPath(path.slice(0, 256))}: this port serves GET /healthz, /readyz and /metrics\n`);
  };
  // Node checks the headers timeout every `connectionsCheckingInterval` (30 s by default): a connection that sent part
  // of its headers, or nothing, was held up to 35 s, not 5 (review ja, 1).
  const server = createServer({ headersTimeout: HEALTH_HEADERS_TIMEOUT_MS, requestTimeout: HEALTH_REQUEST_TIMEOUT_MS, maxHeaderSize: HEALTH_MAX_HEADER_SIZE, connectionsCheckingInterval: 1_000 }, handler);
  server.keepAliveTimeout = 5_000;
  server.setTimeout(30_000);
  // Node's own answers to a head past 8 KiB and to a request not in time were a bare 431 and 408, which said nothing of
  // why (`curl` showed an empty answer), where this port's every other answer says it in text (review ot, 3).
  server.on('clientError', (e: Error & { code?: string }, socket: Duplex & { _httpMessage?: { headersSent?: boolean; req?: unknown } | null }) => {
    const text = (status: string, body: string): string => `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`;
    answerClientError(e, socket, {
      headersTooLarge: () => text('431 Request Header Fields Too Large', `the request line and headers take more than ${HEALTH_MAX_HEADER_SIZE} bytes, the most this port reads: send GET /healthz, /readyz or /metrics with a few headers\n`),
      timedOut: () => text('408 Request Timeout', `${socket._httpMessage?.req === undefined ? `the request line and headers did not arrive within ${HEALTH_HEADERS_TIMEOUT_MS / 1000} s` : `the request did not arrive within ${HEALTH_REQUEST_TIMEOUT_MS / 1000} s`}, the most this port waits: send the request at once\n`),
    });
  });
  // At the cap a new connection takes the place of the oldest one not being answered: with Node's `maxConnections` the
  // newest was closed, so 64 connections that never finished their headers, opened again as they were cut, kept every
  // kubelet probe out and the kubelet restarted a healthy server (review ja, 1).
  let lastEvictionLog = 0;
  capConnections(server, HEALTH_MAX_CONNECTIONS, (closed) => {
    const t = Date.now();
    if (log !== undefined && t - lastEvictionLog > 5_000) {
      lastEvictionLog = t;
      log(`health listener: ${HEALTH_MAX_CONNECTIONS} connections are open, the most it keeps; ${closed === 'new' ? 'all are being answered, the new one was closed' : 'closed the oldest one not being answered for a new one'}`);
    }
  });
  const { port } = await listenOn(server, at.host, at.port, log);
  return { port, close: closerOf(server) };
}
