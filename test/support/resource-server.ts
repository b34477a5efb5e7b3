/**
 * A small object store written the way a user of Gatehouse would write one: `node:http`, objects kept in
 * memory under `/<bucket>/<key>`, GET and PUT. It holds no policy of its own. For every request it
 *
 * 1. takes the caller's proof of identity from `x-gatehouse-identity`: the query string of an STS
 *    `GetCallerIdentity` request (`POST /`), presigned by the caller with its own credentials for the Gatehouse
 *    endpoint, and bound to this store: it signs the header `x-gatehouse-audience` with the store's URL as its
 *    value. The server checks that the proof asks for nothing but GetCallerIdentity. This is how
 *    aws-iam-authenticator (EKS) and Vault's AWS auth method learn a caller's identity without ever seeing its
 *    secret; a caller cannot prove an identity it does not hold credentials for. (A proof is a bearer token until
 *    it expires — 60 s here — so it must travel over TLS outside tests; bound to this store, it proves nothing to
 *    another server that trusts the same Gatehouse, as aws-iam-authenticator's token names its cluster.)
 * 2. asks Gatehouse `POST /v1/authorize` — signed with SigV4 (service `gatehouse`) by ITS OWN service
 *    credentials, a user allowed `gatehouse:Authorize` — whether the caller that proof authenticates may
 *    `s3:GetObject` / `s3:PutObject` on `arn:aws:s3:::<bucket>/<key>`, passing the proof as `principalProof` (the
 *    whole URL, on ITS Gatehouse's origin), its own URL as `audience` (so Gatehouse refuses a proof made for another
 *    server, and an unbound one) and the caller's address as `aws:SourceIp`. Gatehouse verifies the proof
 *    as its STS would serve it and decides for that exact session (its session policies and tags included), so this
 *    works for every caller, not only jobs; the answer names the proven principal. A proof Gatehouse refuses is a
 *    400/403 on `principalProof`, answered here with 401.
 * 3. enforces the answer: 403 with the decision and its first reason on a deny, else serves the object.
 *
 * Run as a script (`node test/support/resource-server.ts client URL OPS_JSON`) it is the other side: a
 * process inside a job that gets the job's credentials from the AWS SDK's default chain, learns its ARN with
 * GetCallerIdentity, and performs `OPS_JSON` (`[{method, path, body?}]`) against the object store, printing
 * `{arn, results: [{method, path, status, body}]}` on stdout.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export const IDENTITY_HEADER = 'x-gatehouse-identity';
const REGION = 'us-east-1';
const MAX_OBJECT = 1 << 20;
/** The parameters a GetCallerIdentity proof may carry, and nothing else. */
const PROOF_PARAMS = new Set(['Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token']);

export interface ServiceCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface Decision {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
  readonly reasons: readonly string[];
}

export interface ObjectServer {
  readonly url: string;
  /** Every answer Gatehouse gave, in order. */
  readonly decisions: readonly Decision[];
  stop(): Promise<void>;
}

/** One SigV4-signed JSON request to Gatehouse's `/v1/` API (what the CLI does, src/adapters/cli/client.ts). */
export async function gatehouseJson(endpoint: string, credentials: ServiceCredentials, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return gatehouseText(endpoint, credentials, method, path, body === undefined ? '' : JSON.stringify(body));
}

/** `gatehouseJson` with the body's text as given (`''`: none), for JSON no serializer writes (a key given twice). */
export async function gatehouseText(endpoint: string, credentials: ServiceCredentials, method: string, path: string, text: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const u = new URL(endpoint);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials, sha256: Sha256 });
  // The signer takes the path and the query apart (it encodes and sorts the query itself).
  const q = path.indexOf('?');
  const query: Record<string, string[]> = {};
  if (q !== -1) for (const [k, v] of new URLSearchParams(path.slice(q + 1))) (query[k] ??= []).push(v);
  const signed = await signer.sign({
    method,
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port),
    path: q === -1 ? path : path.slice(0, q),
    ...(q === -1 ? {} : { query }),
    headers: { host: u.host, 'content-type': 'application/json' },
    body: text,
  });
  const r = await fetch(`${u.origin}${path}`, { method, headers: signed.headers, ...(text !== '' ? { body: text } : {}) });
  const raw = await r.text();
  return { status: r.status, json: raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>) };
}

/**
 * One SigV4-signed Query API request (`POST /`, form-encoded) of `body` as given, for parameters no SDK writes (a list
 * with a gap); `service` `iam` or `sts`. The answer's status and XML text.
 */
export async function gatehouseQuery(endpoint: string, credentials: ServiceCredentials, service: 'iam' | 'sts', body: string): Promise<{ status: number; text: string }> {
  const u = new URL(endpoint);
  const signer = new SignatureV4({ service, region: REGION, credentials, sha256: Sha256 });
  const headers = { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers, body });
  const r = await fetch(`${u.origin}/`, { method: 'POST', headers: signed.headers, body });
  return { status: r.status, text: await r.text() };
}

/**
 * The caller's side of step 1: a presigned GetCallerIdentity for `endpoint`, as the query string to send; bound to
 * `audience` (the resource server it is for, as that server names itself) when given: the header
 * `x-gatehouse-audience` is signed (the presigner signs every header it is given, and hoists only `x-amz-*` ones).
 */
export async function identityProof(endpoint: string, credentials: ServiceCredentials, audience?: string): Promise<string> {
  const u = new URL(endpoint);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials, sha256: Sha256 });
  const headers: Record<string, string> = audience === undefined ? { host: u.host } : { host: u.host, 'x-gatehouse-audience': audience };
  const p = await signer.presign(
    { method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers },
    { expiresIn: 60 },
  );
  return new URLSearchParams(p.query as Record<string, string>).toString();
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'application/octet-stream' : 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_OBJECT) return undefined;
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the object store on 127.0.0.1 (random port). `gatehouse` is the Gatehouse endpoint it trusts,
 * `credentials` its own service user's keys, `objects` the initial content (`bucket/key` → text).
 */
export async function startObjectServer(opts: { gatehouse: string; credentials: ServiceCredentials; objects?: Readonly<Record<string, string>> }): Promise<ObjectServer> {
  const objects = new Map<string, string>(Object.entries(opts.objects ?? {}));
  const decisions: Decision[] = [];

  /**
   * Step 1: the caller's proof, as the whole presigned URL on this store's Gatehouse, or why not. A proof that does not
   * sign this store's audience is Gatehouse's to refuse (`audience` below), with its reason.
   */
  function callerProof(req: IncomingMessage): { proof: string } | { error: string } {
    const proof = req.headers[IDENTITY_HEADER];
    if (typeof proof !== 'string' || proof === '') return { error: `send a presigned GetCallerIdentity in \`${IDENTITY_HEADER}\`` };
    const q = new URLSearchParams(proof);
    for (const k of q.keys()) if (!PROOF_PARAMS.has(k)) return { error: `the identity proof may not carry \`${k}\`` };
    if (q.getAll('Action').join() !== 'GetCallerIdentity' || q.getAll('Version').join() !== '2011-06-15' || !/^host(?:;x-gatehouse-audience)?$/.test(q.get('X-Amz-SignedHeaders') ?? '')) {
      return { error: 'the identity proof must be a presigned STS GetCallerIdentity (Version 2011-06-15, signed headers `host;x-gatehouse-audience`)' };
    }
    return { proof: `${new URL(opts.gatehouse).origin}/?${q.toString()}` };
  }

  const server = createServer((req, res) => {
    void (async () => {
      const m = /^\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec((req.url ?? '/').split('?')[0] ?? '/');
      if (!m || (req.method !== 'GET' && req.method !== 'PUT')) return reply(res, 404, { error: 'GET or PUT /<bucket>/<key>' });
      const key = `${m[1]}/${decodeURIComponent(m[2] ?? '')}`;
      const body = req.method === 'PUT' ? await readBody(req) : (req.resume(), '');
      if (body === undefined) return reply(res, 413, { error: `objects are at most ${MAX_OBJECT} bytes` });
      const who = callerProof(req);
      if ('error' in who) return reply(res, 401, { error: who.error });
      const action = req.method === 'GET' ? 's3:GetObject' : 's3:PutObject';
      const resource = `arn:aws:s3:::${key}`;
      const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      const a = await gatehouseJson(opts.gatehouse, opts.credentials, 'POST', '/v1/authorize', { principalProof: who.proof, audience: url, action, resource, context: { 'aws:SourceIp': sourceIp } });
      if (a.status !== 200) {
        // The proof refused (its error's path is `principalProof`): the caller is not authenticated.
        const error = a.json['error'] as { message?: string; details?: { path?: string }[] } | undefined;
        if (error?.details?.[0]?.path === 'principalProof') return reply(res, 401, { error: `gatehouse refused the identity proof: ${error.message ?? a.status}` });
        return reply(res, 502, { error: `gatehouse answered ${a.status}`, detail: a.json });
      }
      const principal = String(a.json['principal']);
      const decision = String(a.json['decision']);
      const reasons = (a.json['reasons'] as string[] | undefined) ?? [];
      decisions.push({ principal, action, resource, decision, reasons });
      if (decision !== 'Allow') return reply(res, 403, { error: 'AccessDenied', decision, reason: reasons[0] ?? '' });
      if (req.method === 'PUT') {
        objects.set(key, body);
        return reply(res, 200, { stored: key });
      }
      const v = objects.get(key);
      return v === undefined ? reply(res, 404, { error: `no object ${key}` }) : reply(res, 200, v);
    })().catch((e: unknown) => {
      if (!res.headersSent) reply(res, 500, { error: e instanceof Error ? e.message : String(e) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  const url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  return {
    url,
    decisions,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ClientReport {
  readonly arn: string;
  readonly results: readonly { method: string; path: string; status: number; body: string }[];
}

/** The job's side: credentials from the SDK's default chain, its ARN from GetCallerIdentity, then the requests. */
async function runClient(resourceUrl: string, ops: readonly { method: string; path: string; body?: string }[]): Promise<ClientReport> {
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const endpoint = process.env['AWS_ENDPOINT_URL'];
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run this inside `gatehouse jobs run`');
  const provider = fromNodeProviderChain();
  const sts = new STSClient({ region: process.env['AWS_REGION'] ?? REGION, endpoint, credentials: provider });
  const me = await sts.send(new GetCallerIdentityCommand({}));
  sts.destroy();
  const credentials = await provider();
  const results: { method: string; path: string; status: number; body: string }[] = [];
  for (const op of ops) {
    // A fresh proof per request, as an SDK signs each request, bound to the store it is for.
    const proof = await identityProof(endpoint, credentials, resourceUrl);
    const r = await fetch(`${resourceUrl}${op.path}`, { method: op.method, headers: { [IDENTITY_HEADER]: proof }, ...(op.body !== undefined ? { body: op.body } : {}) });
    results.push({ method: op.method, path: op.path, status: r.status, body: await r.text() });
  }
  return { arn: me.Arn ?? '', results };
}

if (import.meta.main && process.argv[2] === 'client') {
  const report = await runClient(process.argv[3] ?? '', JSON.parse(process.argv[4] ?? '[]') as { method: string; path: string; body?: string }[]);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
