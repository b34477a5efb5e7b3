/**
 * What unauthenticated clients can put into the audit log, and how it is shown (review J, findings 5, 2, 8, 10, 6):
 * - every refusal the SigV4 parser can produce is recorded with fixed text, never the parser's message (which
 *   quotes the request as AWS's do: a whole signature fits), nor any other part of the Authorization header;
 * - the reviewer's case end to end: a request signed right by the SDK's SignatureV4 whose header lacks the
 *   `Signature=` keyword, to the Query API, `/v1/` and the S3 gateway: no signature in the record (it could be
 *   replayed by a reader of the log);
 * - a record of a refused authentication is small, whatever the request (a 1,000-character key);
 * - refused unsigned `AssumeRoleWithWebIdentity` calls are under the same flood limits, counted and carried;
 * - refused Kubernetes webhook callers (no or a wrong bearer token) are recorded, never the token;
 * - `gatehouse audit query` escapes control characters a client put into a record; `--json` keeps them exact.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { authFailureEvent, claimedCredential } from '../src/app/auth-failures.ts';
import { parseSigV4, type SigV4Request } from '../src/adapters/sigv4/index.ts';
import { printable } from '../src/adapters/cli/output.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import type { Keys } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
/** 64 hex digits, as a SigV4 signature; and a marker standing for anything else the request carried. */
const SIG = 'ab'.repeat(32);
const MARK = 'Zq9secretMARKERvalue';
const HEX64 = /[0-9a-f]{64}/;

/** A record without the log's own hash chain (64 hex digits each). */
const unchained = ({ hash: _h, prevHash: _p, ...r }: AuditRecord & { prevHash?: string; hash?: string }) => r;

describe('every SigV4 refusal the parser can produce is recorded with fixed text', () => {
  const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
  const AMZ = '20260101T120000Z';
  const CRED = 'AKIAEXAMPLEKEY000001/20260101/us-east-1/sts/aws4_request';
  const ALG = 'AWS4-HMAC-SHA256';
  const auth = (rest: string): string => `${ALG} ${rest}`;
  const full = (extra = ''): string => auth(`Credential=${CRED}, SignedHeaders=host;x-amz-date, Signature=${SIG}${extra}`);
  const hdr = (authorization: string | undefined, headers: Record<string, string> = {}, path = '/'): SigV4Request => ({
    method: 'GET',
    path,
    headers: { host: 'gatehouse.test', 'x-amz-date': AMZ, ...(authorization !== undefined ? { authorization } : {}), ...headers },
  });
  const q = (params: Record<string, string>): SigV4Request => ({
    method: 'GET',
    path: `/?${Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&')}`,
    headers: { host: 'gatehouse.test' },
  });
  const presigned = (over: Record<string, string> = {}, drop: string[] = []): SigV4Request => {
    const p: Record<string, string> = {
      'X-Amz-Algorithm': ALG,
      'X-Amz-Credential': encodeURIComponent(CRED),
      'X-Amz-Date': AMZ,
      'X-Amz-Expires': '900',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': SIG,
      ...over,
    };
    for (const d of drop) delete p[d];
    return q(p);
  };
  const hourAgo = '20260101T105900Z';
  const inAnHour = '20260101T130100Z';

  const cases: [string, SigV4Request, { expectedService?: string; expectedRegion?: string; acceptPresigned?: boolean; presignedMaxLifetimeSeconds?: number }?][] = [
    ['the reviewer\'s case: the signature without Signature=', hdr(auth(`Credential=${CRED}, SignedHeaders=host;x-amz-date, ${SIG}`))],
    ['Signature:<token>', hdr(auth(`Credential=${CRED}, SignedHeaders=host;x-amz-date, Signature:${MARK}${SIG}`))],
    ['target too long', hdr(full(), {}, `/${'a'.repeat(64 * 1024)}`)],
    ['both header and query', hdr(full(), {}, `/?X-Amz-Signature=${SIG}`)],
    ['not signed', hdr(undefined)],
    ['header too long', hdr(full(`, X=${MARK}${'x'.repeat(9000)}`))],
    ['unsupported algorithm', hdr(`AWS4-HMAC-SHA512${SIG} Credential=${CRED}`)],
    ['a parameter twice', hdr(full(`, Signature=${SIG}`))],
    ['no Signature', hdr(auth(`Credential=${CRED}, SignedHeaders=host;x-amz-date, Other=${SIG}`))],
    ['malformed credential', hdr(auth(`Credential=AKIAEXAMPLEKEY000001/${MARK}${SIG}, SignedHeaders=host;x-amz-date, Signature=${SIG}`))],
    ['malformed SignedHeaders', hdr(auth(`Credential=${CRED}, SignedHeaders=Host;${MARK}${SIG}, Signature=${SIG}`))],
    ['too many SignedHeaders', hdr(auth(`Credential=${CRED}, SignedHeaders=${Array.from({ length: 70 }, (_, i) => `h${i}`).join(';')};host, Signature=${SIG}`))],
    ['a signed header twice', hdr(auth(`Credential=${CRED}, SignedHeaders=x-amz-date;host;x-amz-date, Signature=${SIG}`))],
    ['SignedHeaders without host', hdr(auth(`Credential=${CRED}, SignedHeaders=x-amz-date, Signature=${SIG}`))],
    ['no date', { method: 'GET', path: '/', headers: { host: 'gatehouse.test', authorization: full() } }],
    ['malformed date', hdr(full(), { 'x-amz-date': `${MARK}${SIG}` })],
    ['scope date not the request date', hdr(full().replace('20260101/', '20251231/'))],
    ['scoped to another service', hdr(full()), { expectedService: 'iam' }],
    ['scoped to another region', hdr(full()), { expectedRegion: 'eu-west-1' }],
    ['an unsigned session token', hdr(full(), { 'x-amz-security-token': `${MARK}${SIG}` })],
    ['signed an hour ago', hdr(full().replace('20260101/', '20260101/'), { 'x-amz-date': hourAgo })],
    ['signed in an hour', hdr(full(), { 'x-amz-date': inAnHour })],
    ['a signed header missing', hdr(auth(`Credential=${CRED}, SignedHeaders=host;x-amz-date;x-${MARK.toLowerCase()}, Signature=${SIG}`))],
    ['malformed x-amz-content-sha256', hdr(full(), { 'x-amz-content-sha256': `${SIG}${MARK}` })],
    ['presigned: a parameter twice', { ...presigned(), path: `${presigned().path}&X-Amz-Signature=${SIG}` }],
    ['presigned: not percent-encoding', presigned({ 'X-Amz-Credential': `%ZZ${SIG}` })],
    ['presigned: unsupported algorithm', presigned({ 'X-Amz-Algorithm': `${MARK}${SIG}` })],
    ['presigned: parameters missing', presigned({}, ['X-Amz-Date', 'X-Amz-Expires'])],
    ['presigned: malformed date', presigned({ 'X-Amz-Date': `${MARK}${SIG}` })],
    ['presigned: malformed expiry', presigned({ 'X-Amz-Expires': `${MARK}${SIG}` })],
    ['presigned: expired', presigned({ 'X-Amz-Date': hourAgo, 'X-Amz-Expires': '60' })],
    ['presigned: in the future', presigned({ 'X-Amz-Date': inAnHour })],
    ['presigned: not taken by this API', presigned(), { acceptPresigned: false }],
    ['presigned: past the API\'s 15 minutes', presigned({ 'X-Amz-Date': hourAgo, 'X-Amz-Expires': '3600' }), { presignedMaxLifetimeSeconds: 900 }],
  ];

  it('no part of the request in the record: the code, a fixed message and the key id only', async () => {
    const messages = new Set<string>();
    let echoed = 0;
    for (const [name, req, options] of cases) {
      const parsed = parseSigV4(req, NOW, options ?? {});
      assert.equal(parsed.ok, false, `${name}: refused`);
      if (parsed.ok) continue;
      if (parsed.message.includes(SIG.slice(0, 40)) || parsed.message.includes(MARK)) echoed += 1;
      const query = req.path.includes('?') ? req.path.slice(req.path.indexOf('?') + 1) : '';
      const headers = req.headers as Record<string, string>;
      const claimed = claimedCredential(headers['authorization'], headers['x-amz-security-token'], query);
      const e = authFailureEvent({ ...claimed, action: 'sts:GetCallerIdentity', code: parsed.code, message: parsed.message, sourceIp: '127.0.0.1' }, undefined, 0);
      const text = JSON.stringify(e);
      assert.doesNotMatch(text, HEX64, `${name}: a signature in ${text}`);
      assert.ok(!text.includes(MARK) && !text.includes(SIG.slice(0, 16)), `${name}: request text in ${text}`);
      assert.doesNotMatch(text, /AWS4-HMAC|Signature=|Credential=|aws4_request|us-east-1/, `${name}: header text in ${text}`);
      assert.equal(e.detail.authentication, parsed.code);
      // A reason of its own for each (never the catch-all), from a short fixed list.
      assert.notEqual(e.detail.message, 'authentication refused', `${name}: ${parsed.message}`);
      assert.ok(e.detail.message.length <= 80, e.detail.message);
      messages.add(e.detail.message);
    }
    // The test means something: the parser's messages do quote the request (as AWS's do).
    assert.ok(echoed >= 8, `${echoed} messages echo the request`);
    assert.ok(messages.size >= 20, [...messages].join(' | '));
  });

  it('a signature that does not match, and a body that is not the signed one (verify)', async () => {
    const signer = new SignatureV4({ service: 'sts', region: 'us-east-1', credentials: { accessKeyId: 'AKIAEXAMPLEKEY000001', secretAccessKey: 'right' }, sha256: Sha256 });
    const signed = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: 'gatehouse.test', path: '/', query: {}, headers: { host: 'gatehouse.test', 'x-amz-content-sha256': 'ab'.repeat(32) }, body: 'Action=GetCallerIdentity' },
      { signingDate: new Date(NOW) },
    );
    const req: SigV4Request = { method: 'POST', path: '/', headers: signed.headers, body: Buffer.from('Action=GetCallerIdentity') };
    for (const [secret, want] of [['wrong', 'the signature does not match'], ['right', 'the body does not match its declared SHA-256']] as const) {
      const parsed = parseSigV4(req, NOW);
      assert.ok(parsed.ok);
      const v = parsed.verify(secret);
      assert.ok(!v.ok);
      const e = authFailureEvent({ action: 'sts:GetCallerIdentity', code: v.code, message: v.message, sourceIp: '' }, undefined, 0);
      assert.equal(e.detail.message, want);
      assert.doesNotMatch(JSON.stringify(e), HEX64);
    }
  });
});

describe('audit: what unauthenticated clients can put into the log, end to end', () => {
  let s: TestServer;
  let since = 0;
  let home = '';
  const agents: Agent[] = [];

  async function fresh(): Promise<AuditRecord[]> {
    await s.running.app.audit.flush();
    const out: AuditRecord[] = [];
    for (;;) {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${since}&limit=1000`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const page = r.json as { records: AuditRecord[]; next?: string };
      out.push(...page.records);
      since = page.records.at(-1)?.seq ?? since;
      if (page.next === undefined) return out;
    }
  }

  /** A raw HTTP request: status and body. */
  function send(url: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string; from?: string; agent?: Agent }): Promise<{ status: number; text: string }> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const req = request(
        { host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers ?? {}, ...(opts.from ? { localAddress: opts.from } : {}), ...(opts.agent ? { agent: opts.agent } : {}) },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  /** Headers of a request the SDK's SignatureV4 signed right, its Authorization header rewritten without `Signature=`. */
  async function signedWithoutKeyword(url: string, service: string, method: string, path: string, body: string, headers: Record<string, string> = {}): Promise<{ headers: Record<string, string>; signature: string }> {
    const u = new URL(url);
    const signer = new SignatureV4({ service, region: 'us-east-1', credentials: s.admin, sha256: Sha256, uriEscapePath: service !== 's3' });
    const signed = await signer.sign({ method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, ...headers }, body });
    const h = { ...(signed.headers as Record<string, string>) };
    const signature = /Signature=([0-9a-f]{64})/.exec(h['authorization'] ?? '')?.[1] ?? assert.fail('no signature');
    h['authorization'] = (h['authorization'] ?? '').replace(`Signature=${signature}`, signature);
    return { headers: h, signature };
  }

  before(async () => {
    s = await startTestServer();
    home = s.dataDir;
    await fresh();
  });
  after(async () => {
    for (const a of agents) a.destroy();
    await s?.stop();
  });

  const refusals = (all: AuditRecord[]) => all.filter((r) => r.detail['authentication'] !== undefined);

  it('the reviewer\'s case: a signature written without Signature= is in no record (Query API, /v1/, S3 gateway)', async () => {
    const body = 'Action=CreateAccessKey&Version=2010-05-08';
    const iam = await signedWithoutKeyword(s.url, 'iam', 'POST', '/', body, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
    const answered = await send(s.url, { method: 'POST', path: '/', headers: iam.headers, body });
    assert.equal(answered.status, 400);
    assert.match(answered.text, /IncompleteSignature/);
    const admin = await signedWithoutKeyword(s.url, 'gatehouse', 'GET', '/v1/users', '');
    assert.equal((await send(s.url, { path: '/v1/users', headers: admin.headers })).status, 400);
    const s3 = await signedWithoutKeyword(s.running.s3Url, 's3', 'GET', '/bucket/key', '', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
    assert.equal((await send(s.running.s3Url, { path: '/bucket/key', headers: s3.headers })).status, 400);

    const got = refusals(await fresh());
    assert.deepEqual(
      got.map((r) => [r.principal, r.action, r.detail['authentication'], r.detail['message'], r.detail['accessKeyId']]),
      [
        [`arn:aws:iam::${ROOT}:user/admin`, 'iam:CreateAccessKey', 'IncompleteSignature', 'an Authorization header parameter is not of the form key=value', s.admin.accessKeyId],
        [`arn:aws:iam::${ROOT}:user/admin`, 'GET /v1/users', 'IncompleteSignature', 'an Authorization header parameter is not of the form key=value', s.admin.accessKeyId],
        [`arn:aws:iam::${ROOT}:user/admin`, 's3:GetObject', 'AuthorizationHeaderMalformed', 'an Authorization header parameter is not of the form key=value', s.admin.accessKeyId],
      ],
    );
    const text = JSON.stringify(got.map(unchained));
    for (const sig of [iam.signature, admin.signature, s3.signature]) assert.ok(!text.includes(sig.slice(0, 16)), 'a signature in a record');
    assert.doesNotMatch(text, HEX64);
    assert.doesNotMatch(text, /AWS4-HMAC|SignedHeaders|aws4_request|us-east-1/);
  });

  it('a refused request with a 1,000-character key makes a small record', async () => {
    const path = `/bucket-${'b'.repeat(50)}/${'k'.repeat(1000)}?acl&${'x'.repeat(200)}=1`;
    const refused = await send(s.running.s3Url, { path, headers: { authorization: 'AWS AKIAEXAMPLEEXAMPLE00:c2lnbmF0dXJl' } });
    assert.ok(refused.status === 403 || refused.status === 400, `${refused.status} ${refused.text}`);
    const [r, ...rest] = refusals(await fresh());
    assert.equal(rest.length, 0);
    assert.ok(r);
    // As the reviewer measured: the columns' text, the hash chain included.
    const size = Object.values(r).reduce((n: number, v) => n + (typeof v === 'object' ? JSON.stringify(v) : String(v ?? '')).length, 0);
    assert.ok(size <= 700, `${size} bytes: ${JSON.stringify(r)}`);
    assert.ok(r.action.length <= 129 && r.resource.length <= 129, `${r.action.length} ${r.resource.length}`);
  });

  it('refused unsigned AssumeRoleWithWebIdentity calls are flood-limited per address, counted and carried', async () => {
    const agent = new Agent({ localAddress: '127.0.0.3', keepAlive: true, maxSockets: 8 });
    agents.push(agent);
    const counted = async (): Promise<number> => Number(/^gatehouse_audit_auth_failures_suppressed_total (\d+)/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1] ?? NaN);
    const call = (i: number) =>
      send(s.url, {
        method: 'POST',
        path: '/',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::${ROOT}:role/r${i}&RoleSessionName=s${i}&WebIdentityToken=${'x'.repeat(200)}`,
      });
    const before = await counted();
    const started = performance.now();
    const N = 120;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < N) {
          const r = await call(next++);
          assert.equal(r.status, 400);
          assert.match(r.text, /InvalidIdentityToken/);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // A summary record (review kn1: the address quiet for a second, on a slow machine) sums up what no record carried.
    const isSummary = (r: AuditRecord | undefined): boolean => r?.detail['first'] !== undefined;
    const burst = (await fresh()).filter((r) => r.sourceIp === '127.0.0.3');
    const flood = burst.filter((r) => !isSummary(r));
    const summaries = burst.filter(isSummary);
    const suppressed = (await counted()) - before;
    assert.ok(flood.every((r) => r.kind === 'session' && r.action === 'sts:AssumeRoleWithWebIdentity' && r.decision === 'Deny'));
    assert.ok(flood.length >= 20 && flood.length <= 20 + Math.ceil(seconds * 5) + 1, `${flood.length} records in ${seconds.toFixed(2)} s`);
    assert.equal(flood.length + suppressed, N);

    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await call(N)).status, 400);
    const after = (await fresh()).filter((r) => r.sourceIp === '127.0.0.3');
    summaries.push(...after.filter(isSummary));
    const [last, ...rest] = after.filter((r) => !isSummary(r));
    assert.equal(rest.length, 0);
    assert.equal(last?.kind, 'session');
    const carried = [...flood, last, ...summaries].reduce((n, r) => n + Number(r?.detail['suppressed'] ?? 0), 0);
    assert.equal(carried, suppressed, 'every refusal left out is carried by a later record or summarised');
    // What the burst's own records did not carry, the next record (or a summary) does (on a loaded machine the burst
    // is slow enough for the limit to refill within it, and its records carry it all: then this one carries nothing).
    const inBurst = flood.reduce((n, r) => n + Number(r.detail['suppressed'] ?? 0), 0);
    const summarised = summaries.reduce((n, r) => n + Number(r.detail['suppressed'] ?? 0), 0);
    assert.equal(Number(last?.detail['suppressed'] ?? 0), suppressed - inBurst - summarised);
  });

  it('a Kubernetes webhook caller without the bearer token, or with a wrong one, is recorded (never the token)', async () => {
    const token = `gh-webhook-${MARK}`;
    const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'k8s-aws-v1.x' } });
    const answers = [
      await send(s.url, { method: 'POST', path: '/k8s/c1/authenticate', headers: { 'content-type': 'application/json' }, body: review }),
      await send(s.url, { method: 'POST', path: '/k8s/c1/authorize', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' }),
      await send(s.url, { method: 'POST', path: '/k8s/c1/admit', headers: { 'content-type': 'application/json', authorization: `Basic ${token}` }, body: '{}' }),
    ];
    assert.deepEqual(answers.map((a) => a.status), [401, 401, 401]);
    const got = refusals(await fresh());
    assert.deepEqual(
      got.map((r) => [r.kind, r.principal, r.account, r.action, r.decision, r.sourceIp, r.detail['authentication'], r.detail['message']]),
      [
        ['decision', 'anonymous', ROOT, 'POST /k8s/c1/authenticate', 'Deny', '127.0.0.1', 'Unauthorized', 'no webhook bearer token'],
        ['decision', 'anonymous', ROOT, 'POST /k8s/c1/authorize', 'Deny', '127.0.0.1', 'Unauthorized', "the webhook bearer token is not the cluster's"],
        ['decision', 'anonymous', ROOT, 'POST /k8s/c1/admit', 'Deny', '127.0.0.1', 'Unauthorized', 'no webhook bearer token'],
      ],
    );
    assert.ok(!JSON.stringify(got).includes(MARK), 'the token is not in the records');
  });

  it('gatehouse audit query escapes control characters a client put into a record; --json keeps them exact', async () => {
    const forged = 'y\r\u001b[1A\u001b[2Kforged-line\u009b31m\u202e';
    const path = `/bucket/${encodeURIComponent(forged)}?acl`;
    const refused = await send(s.running.s3Url, { path, headers: { authorization: 'AWS AKIAEXAMPLEEXAMPLE00:c2lnbmF0dXJl' } });
    assert.ok(refused.status === 403 || refused.status === 400, `${refused.status} ${refused.text}`);
    await fresh();
    const who: Keys = { accessKeyId: s.admin.accessKeyId, secretAccessKey: s.admin.secretAccessKey };
    const table = await gatehouseCliInProcess(['audit', 'query', '--kind', 'decision', '--last', '5'], who, { endpoint: s.url, home });
    assert.equal(table.code, 0, table.stderr);
    // Nothing that moves the cursor or erases: no C0 control but the line feeds, no C1, no bidi override.
    assert.doesNotMatch(table.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u, JSON.stringify(table.stdout));
    assert.ok(table.stdout.includes('GET /bucket/y\\r\\x1b[1A\\x1b[2Kforged-line\\x9b31m\\u202e'), table.stdout);
    const json = await gatehouseCliInProcess(['audit', 'query', '--kind', 'decision', '--last', '5', '--json'], who, { endpoint: s.url, home });
    assert.equal(json.code, 0, json.stderr);
    const records = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    assert.ok(records.some((r) => r.resource === `arn:aws:s3:::bucket/${forged}`), json.stdout);
  });
});

describe('printable: what the audit CLI shows of a value', () => {
  it('escapes C0, C1, DEL and characters that print nothing or move text; doubles a backslash; keeps the rest', () => {
    const table: [string, string][] = [
      ['arn:aws:s3:::b/k é 😀 日本', 'arn:aws:s3:::b/k é 😀 日本'],
      ['a\r\u001b[1A\u001b[2Kb', 'a\\r\\x1b[1A\\x1b[2Kb'],
      ['x\ny\tz\u0000\u007f\u0085\u009b', 'x\\ny\\tz\\x00\\x7f\\x85\\x9b'],
      ['\u202egnp.exe \u200b\u2028\u2029\ufeff', '\\u202egnp.exe \\u200b\\u2028\\u2029\\ufeff'],
      ['lone \ud800 surrogate', 'lone \\ud800 surrogate'],
      ['C:\\x1b', 'C:\\\\x1b'],
    ];
    for (const [value, shown] of table) assert.equal(printable(value), shown, JSON.stringify(value));
  });
});
