/**
 * Every request here is signed by `@smithy/signature-v4` (the signer of AWS SDK v3) or sent by the
 * real `@aws-sdk/client-iam` / `client-sts` to a local server — never by a signer of our own.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import fc from 'fast-check';
import { parseSigV4, SIGV4_HTTP_STATUS, type SigV4Request, type SigV4Result, type SigV4Verification } from './index.ts';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TEMP_AKID = 'ASIAIOSFODNN7EXAMPLE';
const TEMP_SECRET = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY';
const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE+token/with=chars';
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;

interface Unsigned {
  method: string;
  hostname: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: string | undefined;
}

interface Signed {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

const signer = (opts: { service?: string; region?: string; secret?: string; akid?: string; token?: string; applyChecksum?: boolean; s3?: boolean } = {}) =>
  new SignatureV4({
    service: opts.service ?? 'iam',
    region: opts.region ?? 'us-east-1',
    credentials: {
      accessKeyId: opts.akid ?? AKID,
      secretAccessKey: opts.secret ?? SECRET,
      ...(opts.token !== undefined ? { sessionToken: opts.token } : {}),
    },
    sha256: Sha256,
    uriEscapePath: opts.s3 !== true,
    applyChecksum: opts.applyChecksum ?? true,
  });

// The query string as the SDK's HTTP handlers put it on the wire (@smithy `buildQueryString`:
// sorted keys, `escapeUri` = encodeURIComponent plus !'()*).
const escapeUri = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const wireQuery = (query: Signed['query']): string => {
  const parts: string[] = [];
  for (const key of Object.keys(query ?? {}).sort()) {
    const value = query![key];
    if (Array.isArray(value)) for (const v of value) parts.push(`${escapeUri(key)}=${escapeUri(v)}`);
    else if (value === null || value === undefined) parts.push(escapeUri(key));
    else parts.push(`${escapeUri(key)}=${escapeUri(value)}`);
  }
  return parts.join('&');
};

/** What a server would see: lower-case headers, raw target, raw body. */
const toWire = (req: Signed): SigV4Request => {
  const qs = wireQuery(req.query);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  return { method: req.method, path: qs.length > 0 ? `${req.path}?${qs}` : req.path, headers, body: req.body as string | undefined };
};

const unsigned = (over: Partial<Unsigned> = {}): Unsigned => ({
  method: 'POST',
  hostname: 'iam.amazonaws.com',
  path: '/',
  headers: { host: 'iam.amazonaws.com', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body: 'Action=ListUsers&Version=2010-05-08',
  ...over,
});

const sign = async (req: Unsigned, opts: Parameters<typeof signer>[0] = {}, at = T0): Promise<SigV4Request> =>
  toWire((await signer(opts).sign({ protocol: 'https:', ...req } as never, { signingDate: new Date(at) })) as unknown as Signed);

const presign = async (req: Unsigned, expiresIn: number, opts: Parameters<typeof signer>[0] = {}, at = T0): Promise<SigV4Request> =>
  toWire((await signer(opts).presign({ protocol: 'https:', ...req } as never, { signingDate: new Date(at), expiresIn })) as Signed);

const parsedOk = (result: SigV4Result) => {
  assert.equal(result.ok, true, result.ok ? '' : `${result.code}: ${result.message}`);
  return result as Extract<SigV4Result, { ok: true }>;
};

const assertVerified = (result: SigV4Result, secret = SECRET) => {
  const parsed = parsedOk(result);
  const v = parsed.verify(secret);
  assert.deepEqual(v, { ok: true }, v.ok ? '' : `${v.code}: ${v.message}\n${parsed.canonicalRequest()}`);
  return parsed;
};

/** Refused with `code`; the message carries no secret and no 64-hex signature (ours or theirs). */
const assertRefused = (result: SigV4Result | SigV4Verification, code: string, secret = SECRET) => {
  assert.equal(result.ok, false, 'expected a refusal');
  const failure = result as Extract<SigV4Result, { ok: false }>;
  assert.equal(failure.code, code, failure.message);
  assert.ok(!failure.message.includes(secret), 'message contains the secret');
  assert.doesNotMatch(failure.message, /[0-9a-f]{64}/, 'message contains a signature');
  assert.ok(failure.message.length > 0);
};

/** Parse then verify: the first refusal, or ok. */
const check = (req: SigV4Request, now = T0, secret = SECRET): SigV4Result | SigV4Verification => {
  const parsed = parseSigV4(req, now);
  return parsed.ok ? parsed.verify(secret) : parsed;
};

const withAuth = (req: SigV4Request, edit: (auth: string) => string): SigV4Request => ({
  ...req,
  headers: { ...req.headers, authorization: edit(req.headers['authorization'] as string) },
});

const flipBit = (hex: string, bit: number): string => {
  const bytes = Buffer.from(hex, 'hex');
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return bytes.toString('hex');
};

describe('header form, signed by @smithy/signature-v4', () => {
  it('verifies an IAM Query API POST (form-encoded body)', async () => {
    const req = await sign(unsigned());
    const parsed = assertVerified(parseSigV4(req, T0));
    assert.equal(parsed.form, 'header');
    assert.equal(parsed.accessKeyId, AKID);
    assert.equal(parsed.sessionToken, undefined);
    assert.equal(parsed.region, 'us-east-1');
    assert.equal(parsed.service, 'iam');
    assert.equal(parsed.scope, '20260101/us-east-1/iam/aws4_request');
    assert.equal(parsed.signedAt, T0);
    assert.equal(parsed.payloadSigned, true);
    assert.deepEqual(parsed.signedHeaders, ['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date']);
  });

  it('verifies a body given as bytes, and a client that sends no x-amz-content-sha256', async () => {
    const req = await sign(unsigned(), { applyChecksum: false });
    assert.equal(req.headers['x-amz-content-sha256'], undefined);
    assertVerified(parseSigV4(req, T0));
    assertVerified(parseSigV4({ ...req, body: new TextEncoder().encode(req.body as string) }, T0));
  });

  it('verifies a GET whose path and query need encoding', async () => {
    const req = await sign(
      unsigned({
        method: 'GET',
        path: '/a%20b/c~d/%E2%82%AC/x!y',
        query: {
          'Param 2': 'a b/c~d*e!(f)+g',
          euro: '€ü',
          empty: '',
          multi: ['b', 'a', 'a-b'],
          'X-Amz-Meta': "'quoted'",
        },
        body: undefined,
        headers: { host: 'iam.amazonaws.com' },
      }),
    );
    assert.match(req.path, /%E2%82%AC/);
    assertVerified(parseSigV4(req, T0));
  });

  it('canonicalises a query that another client encoded differently (lower-case hex, %7E, raw !*\'())', async () => {
    const req = await sign(unsigned({ method: 'GET', query: { 'k~ey': "a~b-c!d*e'f(g)h €", z: 'x y' }, body: undefined, headers: { host: 'iam.amazonaws.com' } }));
    const [path, query] = (req.path).split('?') as [string, string];
    assert.equal(query, 'k~ey=a~b-c%21d%2Ae%27f%28g%29h%20%E2%82%AC&z=x%20y');
    assertVerified(parseSigV4({ ...req, path: `${path}?z=x%20y&k%7Eey=a%7eb%2Dc!d*e'f(g)h%20%e2%82%ac` }, T0));
    // A raw `+` is the space that was signed as `%20` (as S3 takes it, and as the edges read the value)…
    assertVerified(parseSigV4({ ...req, path: `${path}?k~ey=a~b-c!d*e'f(g)h+%E2%82%AC&z=x+y` }, T0));
  });

  it('a signed plus (`%2B`) cannot be sent as a raw `+`, which the edge reads as a space (review O, finding 5)', async () => {
    const req = await sign(unsigned({ method: 'GET', query: { v: 'a+b' }, body: undefined, headers: { host: 'iam.amazonaws.com' } }));
    const [path, query] = req.path.split('?') as [string, string];
    assert.equal(query, 'v=a%2Bb');
    assertVerified(parseSigV4(req, T0));
    assertRefused(check({ ...req, path: `${path}?v=a+b` }), 'SignatureDoesNotMatch');
  });

  it('normalises dot segments and double slashes outside S3, exactly like the signer', async () => {
    const req = await sign(unsigned({ method: 'GET', path: '/a/./b/../c//d/', body: undefined, headers: { host: 'iam.amazonaws.com' } }));
    assert.equal(req.path, '/a/./b/../c//d/');
    const parsed = assertVerified(parseSigV4(req, T0));
    assert.equal(parsed.canonicalRequest().split('\n')[1], '/a/c/d/');
  });

  it('verifies S3-style signing: no normalisation, no double encoding', async () => {
    const req = await sign(
      unsigned({ method: 'GET', hostname: 'b.s3.amazonaws.com', path: '/dir/./key%20with%20space', body: undefined, headers: { host: 'b.s3.amazonaws.com' } }),
      { service: 's3', s3: true },
    );
    const parsed = assertVerified(parseSigV4(req, T0));
    assert.equal(parsed.canonicalRequest().split('\n')[1], '/dir/./key%20with%20space');
  });

  it('canonicalises header values: trimmed, inner runs of spaces collapsed', async () => {
    const req = await sign(unsigned({ headers: { ...unsigned().headers, 'x-amz-meta-note': '  two   spaces\tand tab  ' } }));
    assert.ok((req.headers['authorization'] as string).includes('x-amz-meta-note'));
    const parsed = assertVerified(parseSigV4(req, T0));
    assert.match(parsed.canonicalRequest(), /\nx-amz-meta-note:two spaces and tab\n/);
  });

  it('verifies temporary credentials and hands back the session token', async () => {
    const req = await sign(unsigned(), { akid: TEMP_AKID, secret: TEMP_SECRET, token: TOKEN, service: 'sts' });
    const parsed = assertVerified(parseSigV4(req, T0), TEMP_SECRET);
    assert.equal(parsed.accessKeyId, TEMP_AKID);
    assert.equal(parsed.sessionToken, TOKEN);
    assert.ok(parsed.signedHeaders.includes('x-amz-security-token'));
  });

  it('passes UNSIGNED-PAYLOAD and STREAMING-AWS4-HMAC-SHA256-PAYLOAD through, marking the body unsigned', async () => {
    for (const declared of ['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD']) {
      const req = await sign(unsigned({ headers: { ...unsigned().headers, 'x-amz-content-sha256': declared }, body: 'anything' }), { service: 's3', s3: true });
      const parsed = assertVerified(parseSigV4(req, T0));
      assert.equal(parsed.payloadSigned, false);
      assert.ok(parsed.canonicalRequest().endsWith(`\n${declared}`));
    }
  });

  it('accepts the edges of the ±15 minute window', async () => {
    const req = await sign(unsigned());
    assertVerified(parseSigV4(req, T0 + 15 * MIN));
    assertVerified(parseSigV4(req, T0 - 15 * MIN));
  });

  it('reads an Authorization header written in another order or spacing (general parser)', async () => {
    const req = await sign(unsigned());
    const m = /^AWS4-HMAC-SHA256 (Credential=[^,]+), (SignedHeaders=[^,]+), (Signature=[0-9a-f]+)$/.exec(req.headers['authorization'] as string)!;
    assertVerified(parseSigV4(withAuth(req, () => `AWS4-HMAC-SHA256 ${m[3]},${m[1]} ,  ${m[2]}`), T0));
  });

  it('falls back to the Date header (RFC 9110 or ISO 8601 basic) when x-amz-date is absent', async () => {
    const req = withAuth(await sign(unsigned()), (a) => a.replace(';x-amz-date', ''));
    const { 'x-amz-date': _d, ...rest } = req.headers;
    for (const date of ['Thu, 01 Jan 2026 12:00:00 GMT', '20260101T120000Z']) {
      const parsed = parsedOk(parseSigV4({ ...req, headers: { ...rest, date } }, T0));
      assert.equal(parsed.signedAt, T0);
      assert.match(parsed.stringToSign(), /^AWS4-HMAC-SHA256\n20260101T120000Z\n/);
    }
    assertRefused(check({ ...req, headers: { ...rest, date: 'yesterday' } }), 'IncompleteSignature');
  });

  it('can be verified again, e.g. with the previous secret during a rotation', async () => {
    const parsed = parsedOk(parseSigV4(await sign(unsigned()), T0));
    assertRefused(parsed.verify('new-secret'), 'SignatureDoesNotMatch');
    assert.deepEqual(parsed.verify(SECRET), { ok: true });
  });
});

describe('presigned form, signed by @smithy/signature-v4', () => {
  const getCallerIdentity = (host = 'sts.us-east-1.amazonaws.com', clusterId = 'training-cluster'): Unsigned => ({
    method: 'GET',
    hostname: host,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host, 'x-k8s-aws-id': clusterId },
  });

  it('verifies GetCallerIdentity presigned as `aws eks get-token` makes it (signed x-k8s-aws-id)', async () => {
    const req = await presign(getCallerIdentity(), 60, { service: 'sts', akid: TEMP_AKID, secret: TEMP_SECRET, token: TOKEN });
    assert.equal(req.headers['authorization'], undefined);
    assert.match(req.path, /X-Amz-Signature=[0-9a-f]{64}/);
    const parsed = assertVerified(parseSigV4(req, T0 + 30_000), TEMP_SECRET);
    assert.equal(parsed.form, 'presigned');
    assert.equal(parsed.accessKeyId, TEMP_AKID);
    assert.equal(parsed.sessionToken, TOKEN);
    assert.equal(parsed.service, 'sts');
    assert.equal(parsed.expiresAt, T0 + 60_000);
    assert.deepEqual(parsed.signedHeaders, ['host', 'x-k8s-aws-id']);
    assert.equal(parsed.payloadSigned, true);
  });

  it('refuses a token minted for another cluster (the verifier supplies its own x-k8s-aws-id)', async () => {
    const req = await presign(getCallerIdentity(), 60, { service: 'sts' });
    assertRefused(check({ ...req, headers: { ...req.headers, 'x-k8s-aws-id': 'other-cluster' } }), 'SignatureDoesNotMatch');
  });

  it('keeps an EKS token valid 15 minutes when asked to (STS ignores X-Amz-Expires)', async () => {
    const req = await presign(getCallerIdentity(), 60, { service: 'sts' });
    assertRefused(parseSigV4(req, T0 + 10 * MIN), 'AccessDenied');
    assertVerified(parseSigV4(req, T0 + 10 * MIN, { presignedMinLifetimeSeconds: 900 }));
    assertRefused(parseSigV4(req, T0 + 16 * MIN, { presignedMinLifetimeSeconds: 900 }), 'AccessDenied');
  });

  it('verifies an S3 presigned GET (UNSIGNED-PAYLOAD hoisted into the query)', async () => {
    const req = await presign(
      {
        method: 'GET',
        hostname: 'b.s3.us-west-2.amazonaws.com',
        path: '/photos/2026/a%20b.png',
        headers: { host: 'b.s3.us-west-2.amazonaws.com', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      604800,
      { service: 's3', region: 'us-west-2', s3: true },
    );
    assert.match(req.path, /x-amz-content-sha256=UNSIGNED-PAYLOAD/i);
    const parsed = assertVerified(parseSigV4(req, T0 + 6 * 24 * 60 * MIN));
    assert.equal(parsed.payloadSigned, false);
  });

  it('refuses every presigned request, well formed or not, when the API takes none (acceptPresigned: false)', async () => {
    const req = await presign(getCallerIdentity(), 60, { service: 'sts' });
    assertVerified(parseSigV4(req, T0 + 30_000));
    const refused = parseSigV4(req, T0 + 30_000, { acceptPresigned: false });
    assertRefused(refused, 'AccessDenied');
    if (!refused.ok) assert.match(refused.message, /^Presigned \(query-string\) authentication is not accepted by this API/);
    assertRefused(parseSigV4({ ...req, path: req.path.replace('X-Amz-Expires=60', 'X-Amz-Expires=x') }, T0, { acceptPresigned: false }), 'AccessDenied');
    // The header form is untouched.
    assertVerified(parseSigV4(await sign(unsigned()), T0, { acceptPresigned: false }));
  });

  it('refuses an expiry above one week and an Authorization header next to presigned parameters', async () => {
    const req = await presign(getCallerIdentity(), 60, { service: 'sts' });
    assertRefused(check({ ...req, path: req.path.replace('X-Amz-Expires=60', 'X-Amz-Expires=604801') }), 'IncompleteSignature');
    assertRefused(check({ ...req, headers: { ...req.headers, authorization: 'AWS4-HMAC-SHA256 Credential=x' } }), 'IncompleteSignature');
  });
});

describe('attacks and malformed requests are refused with the AWS code', () => {
  it('no authentication at all → MissingAuthenticationToken', () => {
    assertRefused(check({ method: 'POST', path: '/', headers: { host: 'iam.amazonaws.com' }, body: 'Action=ListUsers&Version=2010-05-08' }), 'MissingAuthenticationToken');
  });

  it('one flipped bit in the signature → SignatureDoesNotMatch', async () => {
    const req = await sign(unsigned());
    for (const bit of [0, 7, 100, 255]) {
      assertRefused(check(withAuth(req, (a) => a.replace(/Signature=([0-9a-f]{64})/, (_, s: string) => `Signature=${flipBit(s, bit)}`))), 'SignatureDoesNotMatch');
    }
  });

  it('a different body under the same signature → SignatureDoesNotMatch', async () => {
    const withChecksum = await sign(unsigned());
    assertRefused(check({ ...withChecksum, body: 'Action=DeleteUser&UserName=alice&Version=2010-05-08' }), 'SignatureDoesNotMatch');
    assertRefused(check({ ...withChecksum, body: undefined }), 'SignatureDoesNotMatch');
    const withoutChecksum = await sign(unsigned(), { applyChecksum: false });
    assertRefused(check({ ...withoutChecksum, body: 'Action=DeleteUser&UserName=alice&Version=2010-05-08' }), 'SignatureDoesNotMatch');
  });

  it('replay outside ±15 minutes → SignatureDoesNotMatch "Signature expired" / "not yet current"', async () => {
    const req = await sign(unsigned());
    const late = parseSigV4(req, T0 + 15 * MIN + 1000);
    assertRefused(late, 'SignatureDoesNotMatch');
    assert.match((late as { message: string }).message, /^Signature expired: 20260101T120000Z is now earlier than 20260101T120001Z \(20260101T121501Z - 15 min\.\)$/);
    const early = parseSigV4(req, T0 - 16 * MIN);
    assertRefused(early, 'SignatureDoesNotMatch');
    assert.match((early as { message: string }).message, /^Signature not yet current/);
  });

  it('a header in SignedHeaders that the request lacks → IncompleteSignature', async () => {
    const req = await sign(unsigned());
    assertRefused(check(withAuth(req, (a) => a.replace('SignedHeaders=', 'SignedHeaders=aaa-extra;'))), 'IncompleteSignature');
    const { 'content-type': _dropped, ...headers } = req.headers;
    assertRefused(check({ ...req, headers }), 'IncompleteSignature');
    // `constructor` is on every object's prototype: it must still count as absent.
    assertRefused(check(withAuth(req, (a) => a.replace('SignedHeaders=', 'SignedHeaders=constructor;'))), 'IncompleteSignature');
  });

  it('a SignedHeaders list seen before (kept split and checked) still binds each request, and a refused one stays refused', async () => {
    const req = await sign(unsigned());
    for (let i = 0; i < 3; i++) {
      assertVerified(parseSigV4(req, T0));
      const { 'content-type': _dropped, ...headers } = req.headers;
      assertRefused(check({ ...req, headers }), 'IncompleteSignature');
      assertRefused(check({ ...req, headers: { ...req.headers, 'content-type': 'text/plain' } }), 'SignatureDoesNotMatch');
      assertRefused(check(withAuth(req, (a) => a.replace(';host;', ';'))), 'IncompleteSignature');
      assertRefused(check(withAuth(req, (a) => a.replace('SignedHeaders=', 'SignedHeaders=host;'))), 'IncompleteSignature');
    }
    // The list handed back is the one signed, and callers cannot change it for the next request.
    const parsed = parsedOk(parseSigV4(req, T0));
    assert.deepEqual([...parsed.signedHeaders], ['content-length', 'content-type', 'host', 'x-amz-content-sha256', 'x-amz-date'].filter((h) => h in req.headers));
    assert.throws(() => (parsed.signedHeaders as string[]).push('x'));
  });

  it('a signed header, the method, the path or the query altered → SignatureDoesNotMatch', async () => {
    const req = await sign(unsigned());
    assertRefused(check({ ...req, headers: { ...req.headers, 'content-type': 'application/json' } }), 'SignatureDoesNotMatch');
    assertRefused(check({ ...req, headers: { ...req.headers, host: 'evil.example.com' } }), 'SignatureDoesNotMatch');
    assertRefused(check({ ...req, headers: { ...req.headers, 'x-amz-date': '20260101T120100Z' } }), 'SignatureDoesNotMatch');
    assertRefused(check({ ...req, method: 'PUT' }), 'SignatureDoesNotMatch');
    assertRefused(check({ ...req, path: '/admin' }), 'SignatureDoesNotMatch');
    assertRefused(check({ ...req, path: '/?Action=DeleteUser' }), 'SignatureDoesNotMatch');
  });

  it('an altered presigned query → SignatureDoesNotMatch', async () => {
    const req = await presign(
      { method: 'GET', hostname: 'sts.amazonaws.com', path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: 'sts.amazonaws.com' } },
      900,
      { service: 'sts' },
    );
    assertRefused(check({ ...req, path: req.path.replace('GetCallerIdentity', 'GetSessionToken') }), 'SignatureDoesNotMatch');
    assertRefused(check({ ...req, path: `${req.path}&extra=1` }), 'SignatureDoesNotMatch');
    assertRefused(check({ ...req, path: `${req.path}&X-Amz-Signature=${'0'.repeat(64)}` }), 'IncompleteSignature');
  });

  it('Authorization header without Signature (or Credential, SignedHeaders) → IncompleteSignature', async () => {
    const req = await sign(unsigned());
    const noSig = check(withAuth(req, (a) => a.replace(/, Signature=[0-9a-f]{64}/, '')));
    assertRefused(noSig, 'IncompleteSignature');
    assert.match((noSig as { message: string }).message, /requires 'Signature' parameter/);
    assertRefused(check(withAuth(req, (a) => a.replace(/Credential=[^,]+, /, ''))), 'IncompleteSignature');
    assertRefused(check(withAuth(req, (a) => a.replace(/SignedHeaders=[^,]+, /, ''))), 'IncompleteSignature');
    assertRefused(check(withAuth(req, () => 'AWS4-HMAC-SHA256')), 'IncompleteSignature');
    assertRefused(check(withAuth(req, () => 'Bearer abc')), 'IncompleteSignature');
    assertRefused(check(withAuth(req, (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256'))), 'IncompleteSignature');
    assertRefused(check(withAuth(req, (a) => a.replace('/aws4_request', '/aws5_request'))), 'IncompleteSignature');
    assertRefused(check(withAuth(req, (a) => `${a}, Signature=${'0'.repeat(64)}`)), 'IncompleteSignature');
  });

  it('host not signed, or no date → IncompleteSignature', async () => {
    const req = await sign(unsigned());
    assertRefused(check(withAuth(req, (a) => a.replace(';host;', ';'))), 'IncompleteSignature');
    const { 'x-amz-date': _d, ...noDate } = req.headers;
    assertRefused(check({ ...req, headers: noDate }), 'IncompleteSignature');
  });

  it('an unsigned session token → IncompleteSignature', async () => {
    const req = await sign(unsigned());
    assertRefused(check({ ...req, headers: { ...req.headers, 'x-amz-security-token': TOKEN } }), 'IncompleteSignature');
  });

  it('a credential scope date that is not the request date → SignatureDoesNotMatch', async () => {
    const req = await sign(unsigned());
    assertRefused(check(withAuth(req, (a) => a.replace('/20260101/', '/20251231/'))), 'SignatureDoesNotMatch');
  });

  it('a scope for another service or region, when the caller names one → SignatureDoesNotMatch', async () => {
    const req = await sign(unsigned());
    assertRefused(parseSigV4(req, T0, { expectedService: 'sts' }), 'SignatureDoesNotMatch');
    assertRefused(parseSigV4(req, T0, { expectedRegion: 'eu-west-1' }), 'SignatureDoesNotMatch');
    assertVerified(parseSigV4(req, T0, { expectedService: 'iam', expectedRegion: 'us-east-1' }));
  });

  it('the wrong secret → SignatureDoesNotMatch', async () => {
    const req = await sign(unsigned());
    assertRefused(check(req, T0, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ'), 'SignatureDoesNotMatch', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ');
    assertRefused(check(req, T0, ''), 'SignatureDoesNotMatch');
  });

  it('a presigned URL past X-Amz-Expires → AccessDenied "Request has expired"', async () => {
    const req = await presign(
      { method: 'GET', hostname: 'sts.amazonaws.com', path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: 'sts.amazonaws.com' } },
      300,
      { service: 'sts' },
    );
    assertVerified(parseSigV4(req, T0 + 300_000));
    const expired = parseSigV4(req, T0 + 300_001);
    assertRefused(expired, 'AccessDenied');
    assert.equal((expired as { message: string }).message, 'Request has expired');
  });

  it('a malformed signature or payload hash never throws', async () => {
    const req = await sign(unsigned());
    assertRefused(check(withAuth(req, (a) => a.replace(/Signature=[0-9a-f]{64}/, 'Signature=zz'))), 'SignatureDoesNotMatch');
    assertRefused(check({ ...req, headers: { ...req.headers, 'x-amz-content-sha256': 'not-a-hash' } }), 'IncompleteSignature');
    assertRefused(check({ ...req, path: '/?a=%zz&b=%' }), 'SignatureDoesNotMatch');
    assertRefused(check({ ...req, path: `/${'x'.repeat(70_000)}` }), 'IncompleteSignature');
  });

  it('maps every code to the HTTP status AWS uses', () => {
    assert.deepEqual(SIGV4_HTTP_STATUS, { MissingAuthenticationToken: 403, IncompleteSignature: 400, SignatureDoesNotMatch: 403, AccessDenied: 403 });
  });
});

describe('differential: anything smithy signs, we verify', () => {
  // Path segments and query parameters drawn from all of Unicode; the SDK encodes path labels
  // before signing (the signer then encodes them again), query keys and values are raw.
  const segment = fc.string({ unit: 'binary', maxLength: 8 }).map(escapeUri);
  const path = fc.array(fc.oneof(segment, fc.constantFrom('.', '..', '', '~', 'a+b')), { maxLength: 5 }).map((s) => `/${s.join('/')}`);
  const query = fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.array(fc.string({ unit: 'binary', maxLength: 4 }), { minLength: 1, maxLength: 3 })), { maxKeys: 5 });
  const value = fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).filter((v) => !/[\r\n]/.test(v));

  it('header form, services other than S3 and S3', async () => {
    await fc.assert(
      fc.asyncProperty(path, query, value, fc.boolean(), async (p, q, headerValue, s3) => {
        // `__proto__` as a query key is an accessor on plain objects; keys like it are not what we test.
        if (Object.hasOwn(q, '__proto__')) return;
        const req = await sign(
          unsigned({ method: 'GET', path: p, query: q, body: undefined, headers: { host: 'h.example.com', 'x-amz-meta-v': headerValue } }),
          s3 ? { service: 's3', s3: true } : {},
        );
        const parsed = parsedOk(parseSigV4(req, T0));
        const v = parsed.verify(SECRET);
        assert.ok(v.ok, `${p} ${JSON.stringify(q)}\n${parsed.canonicalRequest()}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('real SDK v3 clients against a local server', () => {
  let server: Server;
  let endpoint: string;
  const seen: { result: SigV4Result; verified: SigV4Verification | undefined }[] = [];
  const secrets = new Map([
    [AKID, SECRET],
    [TEMP_AKID, TEMP_SECRET],
  ]);

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const result = parseSigV4({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) }, Date.now());
        const secret = result.ok ? secrets.get(result.accessKeyId) : undefined;
        const verified = result.ok && secret !== undefined ? result.verify(secret) : undefined;
        seen.push({ result, verified });
        const failure = !result.ok ? result : verified !== undefined && !verified.ok ? verified : undefined;
        if (failure !== undefined) {
          res.writeHead(SIGV4_HTTP_STATUS[failure.code], { 'content-type': 'text/xml' });
          res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>${failure.code}</Code><Message>${failure.message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
          return;
        }
        const body = String(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'text/xml' });
        if (body.includes('Action=ListUsers')) {
          res.end('<ListUsersResponse><ListUsersResult><Users/><IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListUsersResponse>');
        } else {
          res.end(
            '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/trainer/s</Arn><UserId>AROA:s</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
          );
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('@aws-sdk/client-iam ListUsers verifies', async () => {
    const iam = new IAMClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, maxAttempts: 1 });
    const out = await iam.send(new ListUsersCommand({}));
    assert.deepEqual(out.Users, []);
    const last = seen.at(-1)!;
    assert.equal(last.result.ok && last.result.service, 'iam');
    assert.deepEqual(last.verified, { ok: true });
  });

  it('@aws-sdk/client-sts GetCallerIdentity with temporary credentials verifies', async () => {
    const sts = new STSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: TEMP_AKID, secretAccessKey: TEMP_SECRET, sessionToken: TOKEN }, maxAttempts: 1 });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(out.Account, '123456789012');
    const last = seen.at(-1)!;
    assert.equal(last.result.ok && last.result.sessionToken, TOKEN);
    assert.deepEqual(last.verified, { ok: true });
  });

  it('the same client with a wrong secret gets SignatureDoesNotMatch back', async () => {
    const iam = new IAMClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: AKID, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    await assert.rejects(iam.send(new ListUsersCommand({})), (e: Error) => e.name === 'SignatureDoesNotMatch');
  });
});
