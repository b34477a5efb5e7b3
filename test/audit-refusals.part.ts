/**
 * What the audit log keeps of refusals and of where requests came from (issue: "every administrative change (who,
 * what, before/after), every session issued (role, session, job, source identity, source IP), every denial with its
 * explanation"), against a real server (SQLite):
 * - every AccessDenied the IAM and STS Query APIs and the admin API `/v1/` answer is recorded once: refused reads
 *   (ListUsers, GET /v1/audit, DecodeAuthorizationMessage) by the edge, as decisions; refused changes and sessions
 *   (GetSessionToken from a session too: review vf, 3) by their use case, and not a second time;
 * - a refused AssumeRole keeps what was asked (session name, source identity, duration, tag keys);
 * - changes, job submissions and job sessions carry the source IP of the request that made them (a job session:
 *   the fetch of its credential endpoint that caused the issuance);
 * - times in change details are ISO-8601 (RotateKeys `created`, RevokeSessions `before`).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, DecodeAuthorizationMessageCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { recordRefusedRequest, withRequest, type Caller } from '../src/app/principals.ts';
import type { AuditEvent, AuditRecord } from '../src/core/audit/index.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/admin` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'] },
    { Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' },
  ],
});

/** A record as `GET /v1/audit` answers it. */
type Rec = AuditRecord;

const conn = (s: TestServer, credentials: Credentials): Connection => ({ endpoint: new URL(s.url), credentials, region: 'us-east-1', credentialsSource: 'test' });

async function v1<T = Record<string, unknown>>(s: TestServer, credentials: Credentials, method: string, segments: string[], opts: { query?: Record<string, string>; body?: unknown } = {}): Promise<T> {
  const r = await call<T>(conn(s, credentials), method, segments, opts);
  if (!r.ok) throw Object.assign(new Error(`${method} /v1/${segments.join('/')}: ${r.code}: ${r.message}`), { code: r.code, httpStatus: r.httpStatus });
  return r.value;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'no error';
}

/** A GET from a chosen local address of the loopback network (127.0.0.2 is this host too), as another machine would. */
function getFrom(url: string, localAddress: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => void (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('audit: refusals, source addresses and times', () => {
  let s: TestServer;
  let bob: Credentials;
  let session: Credentials;
  let since = 0;

  /** Every record after `since` (the queue written first). */
  async function records(): Promise<Rec[]> {
    await s.running.app.audit.flush();
    const out: Rec[] = [];
    let cursor = String(since);
    for (;;) {
      const page = await v1<{ records: Rec[]; next?: string }>(s, s.admin, 'GET', ['audit'], { query: { after: cursor, limit: '1000' } });
      out.push(...page.records);
      if (page.next === undefined) return out;
      cursor = page.next;
    }
  }

  /** Marks where a test's records begin. */
  async function mark(): Promise<void> {
    since = (await records()).at(-1)?.seq ?? since;
  }

  const BOB = `arn:aws:iam::${ROOT}:user/bob`;

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new CreateRoleCommand({ RoleName: 'locked', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    bob = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    const assumed = await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: 'nightly', SourceIdentity: 'admin-src' }));
    session = { accessKeyId: assumed.Credentials?.AccessKeyId ?? '', secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '', sessionToken: assumed.Credentials?.SessionToken ?? '' };
  });
  after(() => s?.stop());
  // Each test reads the records made after the previous one's.
  beforeEach(() => mark());

  it('records every refused read once, as a decision with the caller, the action, the resource and why', async () => {
    assert.equal(await errorName(s.iam(bob).send(new ListUsersCommand({}))), 'AccessDenied');
    assert.equal(await code(v1(s, bob, 'GET', ['audit'])), 'AccessDenied');
    assert.equal(await code(v1(s, bob, 'GET', ['audit', 'status'])), 'AccessDenied');
    assert.equal(await code(v1(s, bob, 'GET', ['users'])), 'AccessDenied');
    assert.equal(await errorName(s.sts(bob).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'x' }))), 'AccessDenied');
    assert.equal(await errorName(s.sts(session).send(new GetSessionTokenCommand({}))), 'AccessDenied');
    const all = await records();
    const by = (action: string) => all.filter((r) => r.action === action);

    // The IAM API's ListUsers and GET /v1/users decide the same action.
    const list = by('iam:ListUsers');
    assert.deepEqual(list.map((r) => r.detail['request']), ['iam:ListUsers', 'GET /v1/users'], JSON.stringify(all));
    const l = list[0] as Rec;
    assert.deepEqual([l.kind, l.principal, l.account, l.decision, l.resource, l.sourceIp], ['decision', BOB, ROOT, 'ImplicitDeny', `arn:aws:iam::${ROOT}:user/*`, '127.0.0.1']);
    assert.match(String((l.detail['reasons'] as string[])[0]), /^User: arn:aws:iam::000000000000:user\/bob is not authorized to perform: iam:ListUsers .* because no identity-based policy allows/);

    // gatehouse audit query, and the status, without gatehouse:ReadAudit.
    const audit = by('gatehouse:ReadAudit');
    assert.deepEqual(audit.map((r) => [r.kind, r.principal, r.resource, r.decision, r.detail['request']]), [
      ['decision', BOB, `arn:aws:gatehouse::${ROOT}:audit`, 'ImplicitDeny', 'GET /v1/audit'],
      ['decision', BOB, `arn:aws:gatehouse::${ROOT}:audit`, 'ImplicitDeny', 'GET /v1/audit/status'],
    ]);
    assert.ok([...audit, ...list].every((r) => r.sourceIp === '127.0.0.1'));

    const decode = by('sts:DecodeAuthorizationMessage');
    assert.equal(decode.length, 1);
    assert.equal(decode[0]?.principal, BOB);

    // A session may not call GetSessionToken: a refused session, recorded once by its use case (review vf, 3), on the
    // caller's ARN.
    const token = by('sts:GetSessionToken');
    assert.equal(token.length, 1, JSON.stringify(all));
    assert.deepEqual([token[0]?.kind, token[0]?.decision, token[0]?.principal, token[0]?.session, token[0]?.sourceIdentity, token[0]?.resource], [
      'session',
      'Deny',
      `arn:aws:sts::${ROOT}:assumed-role/trainer/nightly`,
      `arn:aws:sts::${ROOT}:assumed-role/trainer/nightly`,
      'admin-src',
      `arn:aws:sts::${ROOT}:assumed-role/trainer/nightly`,
    ]);
    assert.match(String(token[0]?.detail['error']), /Cannot call GetSessionToken with session credentials/);
  });

  it('records a refused read of an IAM policy (bindings) with its action and the resource asked about', async () => {
    assert.equal(await code(v1(s, bob, 'GET', ['iam-policies'], { query: { resource: `account/${ROOT}` } })), 'AccessDenied');
    const got = (await records()).filter((r) => r.action === 'gatehouse:GetIamPolicy');
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.deepEqual([got[0]?.kind, got[0]?.principal, got[0]?.decision, got[0]?.detail['request']], ['decision', BOB, 'ImplicitDeny', 'GET /v1/iam-policies']);
    assert.notEqual(got[0]?.resource, '', 'the resource is named, not only in the reason');
  });

  it('does not record a second time what a use case recorded: refused changes, sessions, submissions and questions', async () => {
    assert.equal(await errorName(s.iam(bob).send(new CreateUserCommand({ UserName: 'mallory' }))), 'AccessDenied');
    assert.equal(await code(v1(s, bob, 'POST', ['users'], { body: { name: 'mallory2' } })), 'AccessDenied');
    assert.equal(await code(v1(s, bob, 'PUT', ['workspaces', 'theirs'], { body: { members: [] } })), 'AccessDenied');
    assert.equal(await errorName(s.sts(bob).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/locked`, RoleSessionName: 'nope' }))), 'AccessDenied');
    assert.equal(await code(v1(s, bob, 'POST', ['authorize'], { body: { principal: `arn:aws:iam::${ROOT}:user/admin`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' } })), 'AccessDenied');
    const all = await records();
    assert.deepEqual(all.map((r) => [r.kind, r.action, r.decision]), [
      ['change', 'iam:CreateUser', 'ACCESS_DENIED'],
      ['change', 'iam:CreateUser', 'ACCESS_DENIED'],
      ['change', 'training:CreateWorkspace', 'ACCESS_DENIED'],
      ['session', 'sts:AssumeRole', 'Deny'],
      // No policy allows bob gatehouse:Authorize: an implicit deny (review V, V4).
      ['decision', 'gatehouse:Authorize', 'ImplicitDeny'],
    ]);
    // Changes made through either API say where they came from, and so does the refusal of a question the asker may not
    // ask: the record is about the asker, and names who asked as every other record does (review pa, 4).
    assert.deepEqual(all.map((r) => r.sourceIp), ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('a refused AssumeRole keeps the session name, source identity, duration and tag keys asked for, without the encoded message', async () => {
    const refused = s.sts(bob).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/locked`, RoleSessionName: 'bob-laptop', SourceIdentity: 'bob@laptop', DurationSeconds: 1800, Tags: [{ Key: 'project', Value: 'p1' }], TransitiveTagKeys: ['project'] }),
    );
    assert.equal(await errorName(refused), 'AccessDenied');
    const [r, ...rest] = await records();
    assert.equal(rest.length, 0);
    assert.ok(r);
    assert.deepEqual([r.kind, r.principal, r.role, r.decision, r.sourceIdentity, r.sourceIp], ['session', BOB, `arn:aws:iam::${ROOT}:role/locked`, 'Deny', 'bob@laptop', '127.0.0.1']);
    assert.equal(r.detail['sessionName'], 'bob-laptop');
    assert.equal(r.detail['requestedSourceIdentity'], 'bob@laptop');
    assert.equal(r.detail['durationSeconds'], 1800);
    assert.deepEqual(r.detail['tagKeys'], ['project']);
    assert.deepEqual(r.detail['transitiveTagKeys'], ['project']);
    assert.match(String(r.detail['error']), /is not authorized to perform: sts:AssumeRole/);
    assert.doesNotMatch(String(r.detail['error']), /Encoded authorization failure message/);
  });

  it('changes, job submissions and job sessions carry the source IP: a job session the address of the fetch that had it issued', async () => {
    await s.iam().send(new CreateUserCommand({ UserName: 'carol' }));
    await v1(s, s.admin, 'POST', ['groups'], { body: { name: 'ml' } });
    await v1(s, s.admin, 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'admin' }] } });
    await v1(s, s.admin, 'POST', ['sts', 'revoke-sessions'], { body: { roleArn: `arn:aws:iam::${ROOT}:role/locked` } });
    const submitted = await v1<{ job: { id: string }; capability: string; environment: Record<string, string> }>(s, s.admin, 'POST', ['jobs'], { body: { workspace: 'vision', role: `arn:aws:iam::${ROOT}:role/trainer` } });
    // The job's process on "another machine" (127.0.0.2) reads its credentials first: that fetch has the session issued.
    // The credentials URI on the credential port, with the ranks' capability (the one in the environment is on the job's
    // loopback metadata endpoint since review tv, 2, which no other machine reaches).
    const first = await getFrom(`${s.running.agentUrl}/v1/credentials/${submitted.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? ''}`, '127.0.0.2');
    assert.equal(first.status, 200, first.body);
    const again = await getFrom(`${s.running.agentUrl}/v1/container-credentials`, '127.0.0.1', { authorization: submitted.capability });
    assert.equal(again.status, 200, again.body);
    const all = await records();
    const one = (pred: (r: Rec) => boolean, what: string): Rec => {
      const found = all.filter(pred);
      assert.equal(found.length, 1, `${what}: ${JSON.stringify(all)}`);
      return found[0] as Rec;
    };
    assert.equal(one((r) => r.action === 'iam:CreateUser', 'CreateUser (IAM API)').sourceIp, '127.0.0.1');
    assert.equal(one((r) => r.action === 'iam:CreateGroup', 'CreateGroup (/v1/)').sourceIp, '127.0.0.1');
    assert.equal(one((r) => r.action === 'training:CreateWorkspace', 'CreateWorkspace (/v1/, recorded at the edge)').sourceIp, '127.0.0.1');
    assert.equal(one((r) => r.action === 'gatehouse:RevokeSessions', 'RevokeSessions').sourceIp, '127.0.0.1');
    const create = one((r) => r.action === 'training:CreateJob', 'CreateJob');
    assert.deepEqual([create.kind, create.job, create.sourceIp], ['job', submitted.job.id, '127.0.0.1']);
    const issued = one((r) => r.kind === 'session' && r.job === submitted.job.id, 'the job session (issued once, cached for the second fetch)');
    assert.deepEqual([issued.detail['via'], issued.sourceIp, issued.sourceIdentity], ['job', '127.0.0.2', 'admin']);
    await v1(s, s.admin, 'POST', ['jobs', submitted.job.id, 'stop']);
  });

  it('times in change details are ISO-8601 UTC: RotateKeys created, RevokeSessions before; the answers are as they were', async () => {
    const rotated = await v1<{ keyId: string; created: string }>(s, s.admin, 'POST', ['keys', 'rotate']);
    const revoked = await v1<{ revokedBefore: string; revokedBeforeMillis: number }>(s, s.admin, 'POST', ['sts', 'revoke-sessions'], { body: { roleArn: `arn:aws:iam::${ROOT}:role/trainer` } });
    assert.equal(typeof revoked.revokedBeforeMillis, 'number');
    const all = await records();
    const rotation = all.find((r) => r.action === 'gatehouse:RotateKeys');
    const revocation = all.find((r) => r.action === 'gatehouse:RevokeSessions');
    assert.ok(rotation && revocation, JSON.stringify(all));
    const rr = rotation.detail['result'] as Record<string, unknown>;
    assert.equal(rr['keyId'], rotated.keyId);
    assert.match(String(rr['created']), ISO);
    assert.equal(Date.parse(String(rr['created'])) - (Date.parse(String(rr['created'])) % 1000), Date.parse(rotated.created));
    const vr = revocation.detail['result'] as Record<string, unknown>;
    assert.match(String(vr['before']), ISO);
    assert.equal(Date.parse(String(vr['before'])), revoked.revokedBeforeMillis);
    assert.equal(vr['target'], `arn:aws:iam::${ROOT}:role/trainer`);
  });
});

describe('recordRefusedRequest', () => {
  const caller = { principal: { arn: 'arn:aws:iam::123456789012:user/u' }, partition: 'aws', account: '123456789012', accessKeyId: 'AKIA' } as unknown as Caller;
  const sink = () => {
    const got: AuditEvent[] = [];
    return { got, record: (e: AuditEvent) => void got.push(e) };
  };

  it('keeps the explanation and leaves the encoded authorization message out', () => {
    const s = sink();
    const c = withRequest(caller, { sourceIp: '10.1.2.3' });
    const message = 'User: arn:aws:iam::123456789012:user/u is not authorized to perform: iam:GetRole on resource: arn:aws:iam::123456789012:role/r with an explicit deny in an identity-based policy Encoded authorization failure message: v1.SEALED';
    recordRefusedRequest(s, c, 'iam:GetRole', { code: 'ACCESS_DENIED', message, path: '' });
    assert.equal(s.got.length, 1);
    const e = s.got[0] as AuditEvent;
    assert.deepEqual([e.kind, e.action, e.resource, e.decision, e.sourceIp], ['decision', 'iam:GetRole', 'arn:aws:iam::123456789012:role/r', 'ExplicitDeny', '10.1.2.3']);
    assert.deepEqual(e.detail?.['reasons'], [message.replace(/ Encoded authorization failure message: .*$/, '')]);
  });

  it('records only ACCESS_DENIED, and once per request', () => {
    const s = sink();
    const c = withRequest(caller, { sourceIp: '10.1.2.3' });
    recordRefusedRequest(s, c, 'iam:GetRole', { code: 'NO_SUCH_ENTITY', message: 'no', path: '' });
    assert.equal(s.got.length, 0);
    recordRefusedRequest(s, c, 'iam:GetRole', { code: 'ACCESS_DENIED', message: 'no', path: '' });
    recordRefusedRequest(s, c, 'iam:GetRole', { code: 'ACCESS_DENIED', message: 'no', path: '' });
    assert.equal(s.got.length, 1);
    recordRefusedRequest(s, withRequest(caller, {}), 'iam:GetRole', { code: 'ACCESS_DENIED', message: 'no', path: '' });
    assert.equal(s.got.length, 2, 'another request (the same caller) is recorded');
  });
});
