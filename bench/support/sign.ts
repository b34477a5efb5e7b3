/**
 * Signed HTTP for the benches: SigV4 with `@smithy/signature-v4` (the SDK v3 signer) over a `node:crypto`
 * hash, and one request/answer over a keep-alive agent.
 *
 * The hash is `node:crypto`, as `@smithy/hash-node` gives the SDK in Node.js: the load generator shares the
 * machine with the server, and the pure-JavaScript `@aws-crypto/sha256-js` costs several times more CPU
 * per signature, CPU the server would not get.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request, type Agent } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

export const REGION = 'us-east-1';

export interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A request as autocannon takes it (and as `send` sends it). */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

type Data = string | ArrayBuffer | ArrayBufferView;

/** The `Checksum` shape the signer wants: SHA-256, or HMAC-SHA-256 when given a secret. */
export class NodeSha256 {
  private readonly secret: Data | undefined;
  private h: Hash | Hmac;
  constructor(secret?: Data) {
    this.secret = secret;
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
  update(data: Data): void {
    this.h.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {
    this.h = this.fresh();
  }
}

function toBytes(d: Data): Uint8Array | string {
  if (typeof d === 'string') return d;
  if (d instanceof ArrayBuffer) return new Uint8Array(d);
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export type Signer = (req: { method: string; path: string; body: string; contentType: string }) => Promise<RawRequest>;

/**
 * A signer for one endpoint, credentials and service (`iam`, `sts`, `gatehouse`). The answer carries the
 * signed headers with `Content-Length` spelled so that autocannon sends it once.
 */
export function signerFor(endpoint: string, creds: Creds, service: string): Signer {
  const u = new URL(endpoint);
  const signer = new SignatureV4({ service, region: REGION, credentials: creds, sha256: NodeSha256 });
  return async ({ method, path, body, contentType }) => {
    const [p, q] = path.split('?', 2) as [string, string | undefined];
    const query: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(q ?? '')) query[k] = v;
    const signed = await signer.sign({
      method,
      protocol: u.protocol,
      hostname: u.hostname,
      port: Number(u.port),
      path: p,
      query,
      headers: { host: u.host, 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    const { 'content-length': length, ...headers } = signed.headers as Record<string, string>;
    return { method, path, headers: { ...headers, 'Content-Length': length ?? '0' }, body };
  };
}

/** An IAM Query API call (`Version=2010-05-08`), signed for service `iam`. */
export function iamQuery(sign: Signer, action: string, params: Readonly<Record<string, string>>): Promise<RawRequest> {
  const body = new URLSearchParams({ Action: action, Version: '2010-05-08', ...params }).toString();
  return sign({ method: 'POST', path: '/', body, contentType: 'application/x-www-form-urlencoded; charset=utf-8' });
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Sends one request over `agent` (keep-alive) and reads the whole answer. */
export function send(endpoint: string, agent: Agent, r: RawRequest): Promise<Answer> {
  const u = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: Number(u.port), method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}
