/**
 * `gatehouse agent`: the node agent of DESIGN.md ("one `gatehouse agent` per node"), a caching relay of the
 * credential endpoints a server serves on `--agent-listen` (src/adapters/agent/server.ts):
 *
 * - `GET /v1/credentials/<capability>` (the Alibaba credentials URI) and `GET /v1/container-credentials` with the
 *   capability in `Authorization` (the AWS container endpoint) are answered from one cache entry per capability and
 *   shape: every process of every job on the node costs the server one request per entry per `revalidateMs`
 *   (default 30 s), however many ranks poll.
 * - A cached answer is served while it is revalidated in the background. When the server answers that the job has
 *   ended (410), has no role (404) or that the capability is unknown (403), the cached credentials go and that
 *   answer is passed on (and kept until the next revalidation), so a job's end reaches its processes within
 *   `revalidateMs`.
 * - When the server cannot be reached (or answers 5xx), still-valid credentials keep being served until
 *   `marginMs` (default 5 min) before they expire, as DESIGN.md's performance model asks; with nothing valid
 *   cached, the answer is 503 saying the server is unreachable.
 * - `POST /v1/launcher/heartbeat` and `/v1/launcher/end` are passed through (`gatehouse jobs run` on the node).
 *
 * Bounded: at most `maxEntries` entries (default 10,000; the oldest go first), keyed by capabilities of at most 128
 * characters (percent-encoded in a path: 384), upstream bodies of at most 64 KiB, launcher bodies of at most 4 KiB. The capability is a secret: it is never logged.
 */
import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { drainable, listenOn } from '../http/lifecycle.ts';

export interface RelayOptions {
  /** Base URL of the server's credential endpoints (its `--agent-listen` or `--agent-address` URL). */
  readonly upstream: string;
  readonly revalidateMs?: number;
  readonly marginMs?: number;
  readonly maxEntries?: number;
  /** Upstream request timeout (default 5 s). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export interface RelayStats {
  /** Requests answered on the node. */
  readonly served: number;
  /** Requests sent to the server (revalidations and launcher calls included). */
  readonly upstream: number;
  /** Answers given from cache because the server could not be reached. */
  readonly servedStale: number;
  readonly entries: number;
}

export interface Relay {
  readonly server: Server;
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  stats(): RelayStats;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: Buffer;
}

interface Entry {
  /** The last 200 from the server, and when its credentials expire (epoch ms). */
  ok?: { readonly body: Buffer; readonly expires: number } | undefined;
  /** The server's last answer (or the 503 of an unreachable server). */
  last?: Answer | undefined;
  checkedAt: number;
  pending?: Promise<void> | undefined;
}

const MAX_UPSTREAM_BODY = 64 * 1024;
const MAX_LAUNCHER_BODY = 4096;

/** The expiry of a credentials document of either shape (`Expiration` in both), or undefined. */
function expiryOf(body: Buffer): number | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { Expiration?: unknown };
    const t = typeof doc.Expiration === 'string' ? Date.parse(doc.Expiration) : Number.NaN;
    return Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, a: Answer): void {
  res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': a.body.length, 'cache-control': 'no-store' });
  res.end(a.body);
}

const json = (status: number, body: unknown): Answer => ({ status, body: Buffer.from(JSON.stringify(body)) });
/** The server's answer to a capability it does not know, given here for one that cannot be one. */
const FORBIDDEN = json(403, { Code: 'Forbidden', Message: 'forbidden' });

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function createRelay(opts: RelayOptions): Relay {
  const base = new URL(opts.upstream);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`--upstream must be an http(s) URL, got \`${opts.upstream}\``);
  const upstreamBase = base.href.replace(/\/$/, '');
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  const revalidateMs = opts.revalidateMs ?? 30_000;
  const marginMs = opts.marginMs ?? 300_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const cache = new Map<string, Entry>();
  let served = 0;
  let upstreamCalls = 0;
  let servedStale = 0;
  let unreachableSince: number | undefined;

  /** Connections to the server, kept open between requests. */
  const agent = base.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 64 }) : new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const requestOf = base.protocol === 'https:' ? httpsRequest : httpRequest;

  /**
   * One request to the server; a rejection means it could not be reached or did not answer in time. node:http
   * rather than fetch: fetch refuses the ports browsers block (6000, 6665–6669…), which a server may well use.
   */
  function upstream(path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Answer> {
    upstreamCalls++;
    return new Promise<Answer>((resolve, reject) => {
      const req = requestOf(`${upstreamBase}${path}`, { method: init.method ?? 'GET', headers: init.headers ?? {}, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_UPSTREAM_BODY) req.destroy(new Error(`the server's answer is over ${MAX_UPSTREAM_BODY} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          if (unreachableSince !== undefined) {
            log(`agent: the server at ${upstreamBase} answers again`);
            unreachableSince = undefined;
          }
          resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(init.body);
    });
  }

  function unreachable(e: unknown): void {
    if (unreachableSince !== undefined) return;
    unreachableSince = now();
    // The error's code (ECONNREFUSED, ETIMEDOUT…), never a URL: a credentials URI holds its capability.
    const cause = (e as NodeJS.ErrnoException).code ?? 'error';
    log(`agent: cannot reach the server at ${upstreamBase} (${cause}); serving cached credentials while they are valid`);
  }

  /** Asks the server for the entry's document and keeps its answer: usable credentials, or why there are none. */
  function revalidate(entry: Entry, path: string, headers?: Record<string, string>): Promise<void> {
    entry.pending ??= (async () => {
      try {
        const a = await upstream(path, headers ? { headers } : {});
        entry.checkedAt = now();
        if (a.status === 200) {
          const expires = expiryOf(a.body);
          entry.ok = expires !== undefined ? { body: a.body, expires } : undefined;
        } else if (a.status === 403 || a.status === 404 || a.status === 410) {
          // Definitive: the job ended, has no role, or the capability is unknown. Kept as the answer for a while.
          entry.ok = undefined;
        }
        entry.last = a;
      } catch (e) {
        entry.checkedAt = now();
        unreachable(e);
        entry.last = json(503, { Code: 'Unavailable', Message: `the Gatehouse server at ${upstreamBase} cannot be reached` });
      } finally {
        entry.pending = undefined;
      }
    })();
    return entry.pending;
  }
  /** A credentials document for `key`, from cache when it may be, else from the server. */
  async function deliver(key: string, path: string, headers?: Record<string, string>): Promise<Answer> {
    let entry = cache.get(key);
    if (!entry) {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      entry = { checkedAt: 0 };
      cache.set(key, entry);
    }
    const t = now();
    const usable = entry.ok && t < entry.ok.expires - marginMs ? entry.ok : undefined;
    if (usable && t - entry.checkedAt < revalidateMs) return { status: 200, body: usable.body };
    if (usable) {
      // Served at once; the server is asked in the background, once.
      void revalidate(entry, path, headers);
      if (unreachableSince !== undefined) servedStale++;
      return { status: 200, body: usable.body };
    }
    // The server's recent refusal (ended, no role, unknown capability) stands until the next revalidation.
    const refused = entry.last;
    if (refused && (refused.status === 403 || refused.status === 404 || refused.status === 410) && t - entry.checkedAt < revalidateMs) return refused;
    await revalidate(entry, path, headers);
    const fresh = entry.ok && now() < entry.ok.expires - marginMs ? entry.ok : undefined;
    if (fresh) return { status: 200, body: fresh.body };
    const a = entry.last ?? json(503, { Code: 'Unavailable', Message: 'no credentials' });
    if (a.status !== 200) return a;
    // A 200 that is not a credentials document (no `Expiration`: --upstream names something else), or credentials
    // too close to their expiry: not served.
    return expiryOf(a.body) === undefined
      ? json(502, { Code: 'BadGateway', Message: `the answer of ${upstreamBase} is not a credentials document (no Expiration): is --upstream the server's credential endpoints?` })
      : json(503, { Code: 'Unavailable', Message: 'the server answered credentials that expire too soon to be served' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    served++;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    if (req.method === 'GET' && path.startsWith('/v1/credentials/')) {
      // A capability is 16–128 characters (the server refuses any other at once): nothing else is cached or relayed.
      const cap = path.slice('/v1/credentials/'.length);
      if (cap.length < 16 || cap.length > 3 * 128) return send(res, FORBIDDEN);
      return send(res, await deliver(`alibaba ${path}`, path));
    }
    if (req.method === 'GET' && path === '/v1/container-credentials') {
      const cap = req.headers.authorization;
      if (cap === undefined || cap.length < 16 || cap.length > 128) return send(res, FORBIDDEN);
      return send(res, await deliver(`aws ${cap}`, path, { authorization: cap }));
    }
    if (req.method === 'POST' && (path === '/v1/launcher/heartbeat' || path === '/v1/launcher/end')) {
      const body = await readBody(req, MAX_LAUNCHER_BODY);
      if (body === undefined) return send(res, json(413, { Code: 'Invalid', Message: `the body must be at most ${MAX_LAUNCHER_BODY} bytes` }));
      try {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (req.headers.authorization) headers['authorization'] = req.headers.authorization;
        return send(res, await upstream(path, { method: 'POST', headers, body }));
      } catch (e) {
        unreachable(e);
        return send(res, json(503, { Code: 'Unavailable', Message: `the Gatehouse server at ${upstreamBase} cannot be reached` }));
      }
    }
    send(res, json(404, { Code: 'NotFound', Message: `no route for ${req.method} ${path}` }));
  }

  const server = createServer((req, res) => {
    drain.track(res);
    handle(req, res).catch((e: unknown) => {
      log(`agent: internal error: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) send(res, json(500, { Code: 'InternalError', Message: 'internal error' }));
    });
  });
  const drain = drainable(server);

  return {
    server,
    listen: (host, port) => listenOn(server, host, port),
    stats: () => ({ served, upstream: upstreamCalls, servedStale, entries: cache.size }),
    close: async () => {
      await drain.close();
      agent.destroy();
    },
  };
}
