/**
 * Micro-benchmark of the SigV4 hot path: parse + verify of one request with a warm signing-key
 * cache (the steady state of a server: one secret, one day, one region, one service). Requests are
 * signed once, up front, by `@smithy/signature-v4`, with the header set SDK v3 really sends.
 *
 * Run alone: `npx node src/adapters/sigv4/bench.ts`.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { parseSigV4, type SigV4Request } from './index.ts';

const ITERATIONS = 200_000;
const WARMUP = 20_000;
const AKID = 'ASIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
// Session tokens are self-contained ciphertexts, base64 (so `+`, `/`, `=` to escape in a URL).
const TOKEN = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7919) % 256)).toString('base64');
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

const escapeUri = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

interface Signed {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
}

const toWire = (req: Signed): SigV4Request => {
  const qs = Object.keys(req.query ?? {})
    .sort()
    .map((k) => `${escapeUri(k)}=${escapeUri(req.query![k]!)}`)
    .join('&');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  return { method: req.method, path: qs.length > 0 ? `${req.path}?${qs}` : req.path, headers, body: req.body };
};

const signer = (service: string) =>
  new SignatureV4({ service, region: 'us-east-1', credentials: { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: TOKEN }, sha256: Sha256 });

const workloads = async (): Promise<{ name: string; request: SigV4Request }[]> => {
  const body = 'Action=ListUsers&Version=2010-05-08&MaxItems=100';
  const headerSigned = (await signer('iam').sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: 'iam.amazonaws.com',
      path: '/',
      headers: {
        host: 'iam.amazonaws.com',
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
        'amz-sdk-invocation-id': '0d6b6c1e-2f4e-4c59-9d1a-3c1b3c4e5f60',
        'amz-sdk-request': 'attempt=1; max=3',
        'x-amz-user-agent': 'aws-sdk-js/3.1169.0',
      },
      body,
    } as never,
    { signingDate: new Date(NOW) },
  )) as unknown as Signed;
  const presigned = (await signer('sts').presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: 'sts.us-east-1.amazonaws.com',
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: 'sts.us-east-1.amazonaws.com', 'x-k8s-aws-id': 'training-cluster' },
    } as never,
    { signingDate: new Date(NOW), expiresIn: 60 },
  )) as unknown as Signed;
  return [
    { name: 'sigv4 verify: header form, IAM ListUsers POST, temporary credentials', request: toWire(headerSigned) },
    { name: 'sigv4 verify: presigned GetCallerIdentity (EKS token)', request: toWire(presigned) },
  ];
};

const run = (request: SigV4Request, n: number): void => {
  for (let i = 0; i < n; i++) {
    const parsed = parseSigV4(request, NOW);
    if (!parsed.ok || !parsed.verify(SECRET).ok) throw new Error('benchmark request failed to verify');
  }
};

/** Verifications per second (parse + verify, warm key cache), one result per workload. */
export const benchSigv4 = async (): Promise<{ name: string; opsPerSec: number }[]> => {
  const results: { name: string; opsPerSec: number }[] = [];
  for (const { name, request } of await workloads()) {
    run(request, WARMUP);
    const start = process.hrtime.bigint();
    run(request, ITERATIONS);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    results.push({ name, opsPerSec: Math.round(ITERATIONS / seconds) });
  }
  return results;
};

if (import.meta.main) {
  for (const { name, opsPerSec } of await benchSigv4()) console.log(`${name}: ${opsPerSec.toLocaleString('en-US')} ops/s`);
}
