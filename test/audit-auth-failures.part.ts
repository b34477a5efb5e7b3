/**
 * Requests refused at authentication are audited (src/app/auth-failures.ts), against a real server (SQLite) with the
 * real AWS SDK v3 clients, the records read back as the admin through `GET /v1/audit`:
 * - a wrong secret on STS GetCallerIdentity and IAM ListUsers: a `decision` `Deny` naming the key's owner, the key
 *   id, `SignatureDoesNotMatch` and the source IP; a request signed an hour in the past likewise (`Signature expired`);
 * - an unknown key id: `anonymous` in the root account, `InvalidClientTokenId`;
 * - temporary credentials: a wrong secret names the session; a tampered session token is `anonymous`;
 * - the admin API (`POST /v1/authorize`) and the S3 gateway (GetObject) with a wrong secret;
 * - no secret, session token, signature or Authorization header in any record;
 * - a flood of bad requests from one address gives a bounded number of records, the rest counted in `/metrics`
 *   and carried as `suppressed` by a later record from that address.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as S3 from '@aws-sdk/client-s3';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const BOB = `arn:aws:iam::${ROOT}:user/bob`;
const SESSION = `arn:aws:sts::${ROOT}:assumed-role/trainer/nightly`;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/admin` }, Action: 'sts:AssumeRole' }] });
const WRONG = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET';

describe('audit: requests refused at authentication', () => {
  let s: TestServer;
  let bob: Credentials;
  let session: Credentials;
  let since = 0;
  const clients: { destroy(): void }[] = [];

  /** Every record after the last `fresh()` (the queue written first). */
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

  const refusals = (all: AuditRecord[]): AuditRecord[] => all.filter((r) => r.detail['authentication'] !== undefined);

  function sts(credentials: Credentials, extra: Record<string, unknown> = {}): STSClient {
    const c = new STSClient({ endpoint: s.url, region: REGION, credentials, maxAttempts: 1, ...extra });
    clients.push(c);
    return c;
  }

  const wrong = (c: Credentials): Credentials => ({ ...c, secretAccessKey: WRONG });

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    bob = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }));
    const assumed = await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: 'nightly' }));
    session = { accessKeyId: assumed.Credentials?.AccessKeyId ?? '', secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '', sessionToken: assumed.Credentials?.SessionToken ?? '' };
    await fresh();
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await s?.stop();
  });

  it('a wrong secret on STS GetCallerIdentity and IAM ListUsers names the key owner, the key id and SignatureDoesNotMatch', async () => {
    assert.equal(await errorName(sts(wrong(bob)).send(new GetCallerIdentityCommand({}))), 'SignatureDoesNotMatch');
    assert.equal(await errorName(s.iam(wrong(bob)).send(new ListUsersCommand({}))), 'SignatureDoesNotMatch');
    const got = refusals(await fresh());
    assert.deepEqual(
      got.map((r) => [r.kind, r.principal, r.account, r.action, r.resource, r.decision, r.sourceIp, r.detail['authentication'], r.detail['accessKeyId']]),
      [
        ['decision', BOB, ROOT, 'sts:GetCallerIdentity', '*', 'Deny', '127.0.0.1', 'SignatureDoesNotMatch', bob.accessKeyId],
        ['decision', BOB, ROOT, 'iam:ListUsers', '*', 'Deny', '127.0.0.1', 'SignatureDoesNotMatch', bob.accessKeyId],
      ],
    );
    // Checked with bob's secret, which did not sign it: said (review vi, 2).
    assert.equal(got[0]?.detail['message'], "the signature does not match; it was not signed with the key's secret (made by someone who knows only the key id)");
    assert.equal(got[0]?.detail['signatureVerified'], false);
  });

  it('a request signed an hour ago (outside the window) is recorded under the key owner', async () => {
    assert.equal(await errorName(sts(bob, { systemClockOffset: -3_600_000 }).send(new GetCallerIdentityCommand({}))), 'SignatureDoesNotMatch');
    const [r, ...rest] = refusals(await fresh());
    assert.equal(rest.length, 0);
    assert.deepEqual([r?.principal, r?.action, r?.detail['authentication'], r?.detail['accessKeyId']], [BOB, 'sts:GetCallerIdentity', 'SignatureDoesNotMatch', bob.accessKeyId]);
    // Signed with bob's own secret, checked as of its time (review tu, 2): a replay or a clock off, not a use.
    assert.equal(r?.detail['message'], "the request time is more than 15 minutes in the past; it was signed with the key's secret (a replayed request, or a client clock off), and refused: not a use of the key");
    assert.equal(r?.detail['signatureVerified'], true);
  });

  it('an unknown key id is anonymous in the root account, InvalidClientTokenId', async () => {
    const unknown = { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: WRONG };
    assert.equal(await errorName(sts(unknown).send(new GetCallerIdentityCommand({}))), 'InvalidClientTokenId');
    const [r, ...rest] = refusals(await fresh());
    assert.equal(rest.length, 0);
    assert.deepEqual([r?.kind, r?.principal, r?.account, r?.decision, r?.sourceIp, r?.detail['authentication'], r?.detail['accessKeyId']], [
      'decision',
      'anonymous',
      ROOT,
      'Deny',
      '127.0.0.1',
      'InvalidClientTokenId',
      'AKIAUNKNOWNKEY000001',
    ]);
  });

  it('temporary credentials: a wrong secret names the session, a tampered token is anonymous', async () => {
    const token = session.sessionToken ?? '';
    const at = Math.floor(token.length / 2);
    const tampered = { ...session, sessionToken: `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}` };
    assert.equal(await errorName(sts(wrong(session)).send(new GetCallerIdentityCommand({}))), 'SignatureDoesNotMatch');
    assert.equal(await errorName(sts(tampered).send(new GetCallerIdentityCommand({}))), 'InvalidClientTokenId');
    const got = refusals(await fresh());
    assert.deepEqual(
      got.map((r) => [r.principal, r.account, r.action, r.detail['authentication'], r.detail['accessKeyId']]),
      [
        [SESSION, ROOT, 'sts:GetCallerIdentity', 'SignatureDoesNotMatch', session.accessKeyId],
        ['anonymous', ROOT, 'sts:GetCallerIdentity', 'InvalidClientTokenId', session.accessKeyId],
      ],
    );
    const text = JSON.stringify(got);
    assert.ok(!text.includes(token) && !text.includes(tampered.sessionToken) && !text.includes(token.slice(at - 20, at)), 'no session token in the records');
  });

  it('the admin API: POST /v1/authorize with a wrong secret', async () => {
    const r = await gatehouseJson(s.url, wrong(bob), 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' });
    assert.equal(r.status, 403);
    const [rec, ...rest] = refusals(await fresh());
    assert.equal(rest.length, 0);
    assert.deepEqual([rec?.kind, rec?.principal, rec?.account, rec?.action, rec?.decision, rec?.sourceIp, rec?.detail['authentication'], rec?.detail['accessKeyId']], [
      'decision',
      BOB,
      ROOT,
      'POST /v1/authorize',
      'Deny',
      '127.0.0.1',
      'SignatureDoesNotMatch',
      bob.accessKeyId,
    ]);
  });

  it('the S3 gateway: GetObject with a wrong secret', async () => {
    const c = new S3.S3Client({ endpoint: s.running.s3Url, region: REGION, forcePathStyle: true, credentials: wrong(bob), maxAttempts: 1 });
    clients.push(c);
    assert.equal(await errorName(c.send(new S3.GetObjectCommand({ Bucket: 'data', Key: 'train/part-0001' }))), 'SignatureDoesNotMatch');
    const [r, ...rest] = refusals(await fresh());
    assert.equal(rest.length, 0);
    assert.deepEqual([r?.kind, r?.principal, r?.account, r?.action, r?.resource, r?.decision, r?.sourceIp, r?.detail['authentication'], r?.detail['accessKeyId']], [
      'decision',
      BOB,
      ROOT,
      's3:GetObject',
      'arn:aws:s3:::data/train/part-0001',
      'Deny',
      '127.0.0.1',
      'SignatureDoesNotMatch',
      bob.accessKeyId,
    ]);
  });

  it('no secret, session token, signature or Authorization header in any record', async () => {
    // One of each again, every record of the server read.
    await errorName(sts(wrong(bob)).send(new GetCallerIdentityCommand({})));
    await errorName(sts(wrong(session)).send(new GetCallerIdentityCommand({})));
    since = 0;
    const all = await fresh();
    assert.ok(refusals(all).length >= 2);
    const text = JSON.stringify(all);
    for (const secret of [bob.secretAccessKey, session.secretAccessKey, session.sessionToken ?? '', WRONG, s.admin.secretAccessKey]) assert.ok(!text.includes(secret), 'a secret in the audit log');
    // A SigV4 signature is 64 hex digits: no refusal carries one (outside the log's own hash chain), nor the header that holds it.
    const refused = JSON.stringify(refusals(all).map(({ hash: _h, prevHash: _p, ...r }) => r));
    assert.doesNotMatch(refused, /[0-9a-f]{64}/);
    assert.doesNotMatch(text, /AWS4-HMAC-SHA256|Signature=|Credential=|X-Amz-Security-Token/i);
  });

  it('a flood of bad requests from one address: bounded records, the rest counted and carried as suppressed', async () => {
    // Another address of the loopback network, so the earlier tests' records do not share its bucket.
    const agent = new Agent({ localAddress: '127.0.0.2', keepAlive: true, maxSockets: 16 });
    const flooder = sts(wrong(bob), { requestHandler: { httpAgent: agent } });
    const counted = async (): Promise<number> => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      const m = /^gatehouse_audit_auth_failures_suppressed_total (\d+)/m.exec(text);
      assert.ok(m, 'the counter is exported');
      return Number(m[1]);
    };
    const before = await counted();
    const started = performance.now();
    const N = 300;
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < N) {
          sent += 1;
          assert.equal(await errorName(flooder.send(new GetCallerIdentityCommand({}))), 'SignatureDoesNotMatch');
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // A summary record (review kn1: the address quiet for a second, on a slow machine) sums up what no record carried.
    const isSummary = (r: AuditRecord | undefined): boolean => r?.detail['first'] !== undefined;
    const burst = refusals(await fresh()).filter((r) => r.sourceIp === '127.0.0.2');
    const flood = burst.filter((r) => !isSummary(r));
    const summaries = burst.filter(isSummary);
    const suppressed = (await counted()) - before;
    // The burst (20) and what the rate (5/s) refilled while it lasted; every other failure counted.
    assert.ok(flood.length >= 20 && flood.length <= 20 + Math.ceil(seconds * 5) + 1, `${flood.length} records in ${seconds.toFixed(2)} s`);
    assert.equal(flood.length + suppressed, N);

    // Once a token is back, the next failure from that address carries everything left out since its last record.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await errorName(flooder.send(new GetCallerIdentityCommand({}))), 'SignatureDoesNotMatch');
    const after = refusals(await fresh());
    summaries.push(...after.filter(isSummary));
    const [last, ...rest] = after.filter((r) => !isSummary(r));
    assert.equal(rest.length, 0);
    assert.equal(last?.sourceIp, '127.0.0.2');
    assert.equal(last?.principal, BOB);
    const carried = [...flood, last, ...summaries].reduce((n, r) => n + Number(r?.detail['suppressed'] ?? 0), 0);
    assert.equal(carried, suppressed, 'every failure left out is carried by a later record or summarised');
    assert.ok(Number(last?.detail['suppressed']) > 0 || summaries.length > 0);
    agent.destroy();
  });
});
