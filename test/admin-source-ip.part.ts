/**
 * The IAM Query API and the admin API `/v1/` decide with the keys of the request: `aws:SourceIp` and
 * `aws:SecureTransport` (reference §A.1.8, present "always"), as STS AssumeRole and the S3 gateway do. Against a
 * real server (SQLite) on 127.0.0.1 over plain HTTP, with the real IAM client and `/v1/` signed by SigV4:
 * - `Deny * if IpAddress aws:SourceIp 127.0.0.0/8` refuses ListUsers, CreateUser and `GET`/`POST /v1/users`;
 * - `Deny * if NotIpAddress aws:SourceIp <another range>` refuses too, and one whose range holds 127.0.0.1 does not
 *   (an absent key made it deny everything: §A.1.7, a negated operator on a missing key is true);
 * - `Deny * if Bool aws:SecureTransport false` refuses plain HTTP, and not HTTPS (`--tls-cert`);
 * - so do the `/v1/` decisions made outside `authorizeAdmin` (IAM policies of bindings, accounts, session keys);
 * - the audit record of such a refusal names the action, the resource and the explicit deny;
 * - a key a use case passes does not override what the request says (`requestContext`);
 * - the authorize API (`POST /v1/authorize`) is unchanged: its questions carry their own context.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, DeleteUserCommand, DeleteUserPolicyCommand, IAMClient, ListUsersCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { compilePolicy, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';
import { authorizeAdmin, requestContext, withRequest, type Caller } from '../src/app/principals.ts';
import { ADMIN_CREDENTIALS_FILE, startServer } from '../src/main/server.ts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
/** What alice may do: enough IAM to list and create users. */
const GRANTS = doc({ Effect: 'Allow', Action: ['iam:ListUsers', 'iam:CreateUser', 'iam:GetUser'], Resource: '*' });
const denyIf = (Condition: object): string => doc({ Sid: 'Guardrail', Effect: 'Deny', Action: '*', Resource: '*', Condition });

/** The error an SDK call failed with: its name and message. */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as { name?: string }).name ?? String(e), message: (e as { message?: string }).message ?? '' };
  }
  return { name: 'no error', message: '' };
}

describe('IAM Query API and /v1/: aws:SourceIp and aws:SecureTransport from the request', () => {
  let s: TestServer;
  let alice: Credentials;
  let aliceIam: IAMClient;
  let made = 0;

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'grants', PolicyDocument: GRANTS }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    aliceIam = s.iam(alice);
  });
  after(() => s?.stop());
  afterEach(async () => {
    await s.iam().send(new DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'guard' })).catch(() => undefined);
  });

  const guard = (document: string) => s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'guard', PolicyDocument: document }));
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(s.url, alice, method, path, body);
  const errorCode = (r: { json: Record<string, unknown> }) => (r.json['error'] as { code?: string } | undefined)?.code;

  /** Alice's four calls (ListUsers and CreateUser through both APIs): each refused with an explicit deny. */
  async function assertRefused(why: string): Promise<void> {
    const list = await failure(aliceIam.send(new ListUsersCommand({})));
    assert.equal(list.name, 'AccessDenied', `ListUsers (${why})`);
    assert.match(list.message, /iam:ListUsers .* with an explicit deny in an identity-based policy/);
    const name = `made-${++made}`;
    assert.equal(await errorName(aliceIam.send(new CreateUserCommand({ UserName: name }))), 'AccessDenied', `CreateUser (${why})`);
    const get = await v1('GET', '/v1/users');
    assert.deepEqual([get.status, errorCode(get)], [403, 'AccessDenied'], `GET /v1/users (${why}): ${JSON.stringify(get.json)}`);
    const post = await v1('POST', '/v1/users', { name: `${name}-v1` });
    assert.deepEqual([post.status, errorCode(post)], [403, 'AccessDenied'], `POST /v1/users (${why}): ${JSON.stringify(post.json)}`);
    // Nothing was made.
    const names = ((await s.iam().send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName);
    assert.ok(!names.includes(name) && !names.includes(`${name}-v1`), String(names));
  }

  /** Alice's calls all succeed (the users made are removed again). */
  async function assertAllowed(why: string): Promise<void> {
    const list = await aliceIam.send(new ListUsersCommand({}));
    assert.ok((list.Users ?? []).some((u) => u.UserName === 'alice'), `ListUsers (${why})`);
    const name = `made-${++made}`;
    await aliceIam.send(new CreateUserCommand({ UserName: name }));
    const get = await v1('GET', '/v1/users');
    assert.equal(get.status, 200, `GET /v1/users (${why}): ${JSON.stringify(get.json)}`);
    const post = await v1('POST', '/v1/users', { name: `${name}-v1` });
    assert.ok(post.status === 200 || post.status === 201, `POST /v1/users (${why}): ${post.status} ${JSON.stringify(post.json)}`);
    for (const n of [name, `${name}-v1`]) await s.iam().send(new DeleteUserCommand({ UserName: n }));
  }

  it('without a guardrail alice lists and creates users (the baseline the refusals below differ from)', async () => {
    await assertAllowed('no guardrail');
  });

  it('Deny if IpAddress aws:SourceIp 127.0.0.0/8 refuses a caller on 127.0.0.1 through both APIs', async () => {
    await guard(denyIf({ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }));
    await assertRefused('IpAddress 127.0.0.0/8');
  });

  it('Deny if IpAddress on another range does not refuse', async () => {
    await guard(denyIf({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.0.2.7'] } }));
    await assertAllowed('IpAddress 10.0.0.0/8');
  });

  it('Deny if NotIpAddress a corporate range: refuses 127.0.0.1 outside it, allows it inside', async () => {
    await guard(denyIf({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }));
    await assertRefused('NotIpAddress 203.0.113.0/24');
    await guard(denyIf({ NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '127.0.0.0/8'] } }));
    await assertAllowed('NotIpAddress 203.0.113.0/24, 127.0.0.0/8');
  });

  it('Deny if Bool aws:SecureTransport false refuses plain HTTP', async () => {
    await guard(denyIf({ Bool: { 'aws:SecureTransport': 'false' } }));
    await assertRefused('SecureTransport false');
  });

  it('on plain HTTP the key is present and false: Deny if Null (absent) or if Bool true does not refuse', async () => {
    await guard(denyIf({ Null: { 'aws:SecureTransport': 'true' } }));
    await assertAllowed('Null SecureTransport');
    await guard(denyIf({ Bool: { 'aws:SecureTransport': 'true' } }));
    await assertAllowed('SecureTransport true');
  });

  it('the audit record of a refusal names the action, the resource, the explicit deny and the source IP', async () => {
    await guard(denyIf({ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }));
    const app = s.running.app;
    await app.audit.flush();
    const root = await app.authenticate(s.admin.accessKeyId);
    assert.ok(root.ok);
    const rootCaller = root.value.caller;
    const before = (await app.audit.query(rootCaller, { principal: ALICE }, 0, 1000));
    assert.ok(before.ok);
    const seen = new Set(before.value.records.map((r) => r.seq));

    assert.equal(await errorName(aliceIam.send(new ListUsersCommand({}))), 'AccessDenied');
    assert.equal(await errorName(aliceIam.send(new CreateUserCommand({ UserName: 'audited' }))), 'AccessDenied');
    assert.equal((await v1('GET', '/v1/users')).status, 403);
    await app.audit.flush();
    const page = await app.audit.query(rootCaller, { principal: ALICE }, 0, 1000);
    assert.ok(page.ok);
    const fresh: AuditRecord[] = page.value.records.filter((r) => !seen.has(r.seq));
    assert.deepEqual(
      fresh.map((r) => [r.kind, r.action, r.resource, r.decision, r.sourceIp]),
      [
        ['decision', 'iam:ListUsers', `arn:aws:iam::${ROOT}:user/*`, 'ExplicitDeny', '127.0.0.1'],
        ['change', 'iam:CreateUser', `arn:aws:iam::${ROOT}:user/audited`, 'ACCESS_DENIED', '127.0.0.1'],
        ['decision', 'iam:ListUsers', `arn:aws:iam::${ROOT}:user/*`, 'ExplicitDeny', '127.0.0.1'],
      ],
      JSON.stringify(fresh),
    );
    // Refused reads say which request was refused; each explanation names the action and the explicit deny.
    assert.deepEqual([fresh[0]?.detail['request'], fresh[2]?.detail['request']], ['iam:ListUsers', 'GET /v1/users']);
    const explanations = fresh.map((r) => String((r.detail['reasons'] as string[] | undefined)?.[0] ?? r.detail['error']));
    for (const [i, action] of ['iam:ListUsers', 'iam:CreateUser', 'iam:ListUsers'].entries()) {
      assert.match(explanations[i] ?? '', new RegExp(`^User: ${ALICE} is not authorized to perform: ${action} on resource: \\S+ with an explicit deny in an identity-based policy$`));
    }
  });

  it('the /v1/ decisions made outside authorizeAdmin see the keys too: iam-policies, accounts, keys/rotate', async () => {
    // What alice may do besides: read an IAM policy (bindings), create an account (apply's authorizeAcross), rotate
    // the session keys (revocation).
    const more = doc({ Effect: 'Allow', Action: ['gatehouse:GetIamPolicy', 'iam:CreateAccount', 'gatehouse:RotateKeys'], Resource: '*' });
    await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'more', PolicyDocument: more }));
    try {
      const calls = [
        () => v1('GET', `/v1/iam-policies?resource=account/${ROOT}`),
        () => v1('POST', '/v1/accounts', { id: '222233334444', partition: 'aws' }),
        () => v1('POST', '/v1/keys/rotate'),
      ];
      await guard(denyIf({ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }));
      for (const call of calls) {
        const r = await call();
        assert.deepEqual([r.status, errorCode(r)], [403, 'AccessDenied'], JSON.stringify(r.json));
        assert.match(String((r.json['error'] as { message?: string }).message), /with an explicit deny in an identity-based policy/);
      }
      await guard(denyIf({ NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }));
      for (const call of calls) {
        const r = await call();
        assert.ok(r.status === 200 || r.status === 201, `${r.status} ${JSON.stringify(r.json)}`);
      }
    } finally {
      await s.iam().send(new DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'more' }));
    }
  });

  it('the jobs routes decide with the keys too: a workspace (jobs API) and a node start (jobs use case)', async () => {
    const more = doc({ Effect: 'Allow', Action: ['training:CreateWorkspace', 'training:StartClusterNode'], Resource: '*' });
    await s.iam().send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'jobs', PolicyDocument: more }));
    try {
      await guard(denyIf({ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }));
      const ws = await v1('PUT', '/v1/workspaces/ws-from-loopback', {});
      assert.deepEqual([ws.status, errorCode(ws)], [403, 'AccessDenied'], JSON.stringify(ws.json));
      const node = await v1('POST', '/v1/clusters/no-such-cluster/nodes', {});
      assert.equal(node.status, 403, JSON.stringify(node.json));
      assert.match(String((node.json['error'] as { message?: string }).message), /explicitly denied/);
      await guard(denyIf({ NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }));
      const ws2 = await v1('PUT', '/v1/workspaces/ws-from-loopback', {});
      assert.equal(ws2.status, 200, JSON.stringify(ws2.json));
      const node2 = await v1('POST', '/v1/clusters/no-such-cluster/nodes', {});
      assert.doesNotMatch(String((node2.json['error'] as { message?: string } | undefined)?.message ?? ''), /explicitly denied/, 'allowed to try: the cluster is what is missing');
    } finally {
      await s.iam().send(new DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'jobs' }));
    }
  });

  it('the authorize API keeps its questions\' own context: no request keys are added to them', async () => {
    await guard(denyIf({ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }));
    const ask = (context?: Record<string, string>) => v1('POST', '/v1/authorize', { action: 'iam:ListUsers', resource: `arn:aws:iam::${ROOT}:user/*`, ...(context ? { context } : {}) });
    const bare = await ask();
    assert.equal(bare.status, 200, JSON.stringify(bare.json));
    assert.equal(bare.json['decision'], 'Allow', 'a question without aws:SourceIp is not answered with the asker\'s address');
    const from = await ask({ 'aws:SourceIp': '127.0.0.1' });
    assert.equal(from.json['decision'], 'ExplicitDeny');
    const elsewhere = await ask({ 'aws:SourceIp': '198.51.100.1' });
    assert.equal(elsewhere.json['decision'], 'Allow', 'the question\'s address, not the asker\'s');
  });
});

describe('requestContext: the request says, a key the use case passes does not override it', () => {
  const guarded = doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } });
  const parsed = parsePolicy(guarded, { kind: 'identity', maxChars: 1 << 20 });
  assert.ok(parsed.ok);
  const p = principalFromArn(ALICE, { userId: 'AIDAALICE', tags: {} });
  assert.ok(p.ok);
  const caller: Caller = { principal: p.value, partition: 'aws', account: ROOT, user: undefined, policies: { identity: [compilePolicy(parsed.value, 'guard')] }, accessKeyId: 'AKIAALICE' };
  const onLoopback = withRequest(caller, { sourceIp: '127.0.0.1', secureTransport: false });

  it('adds both keys, and the key it signed with (acs:AccessId), for a caller with request facts, and none for one without', () => {
    assert.deepEqual({ ...requestContext(onLoopback, { 'iam:PermissionsBoundary': 'arn:x' }) }, { 'iam:PermissionsBoundary': 'arn:x', 'acs:AccessId': 'AKIAALICE', 'aws:SourceIp': '127.0.0.1', 'aws:SecureTransport': 'false' });
    assert.deepEqual(requestContext(caller, { 'aws:SourceIp': '10.1.1.1' }), { 'aws:SourceIp': '10.1.1.1' });
  });

  it('drops a passed aws:SourceIp or aws:SecureTransport, in any case, when the request has its own', () => {
    assert.deepEqual({ ...requestContext(onLoopback, { 'AWS:sourceip': '10.1.1.1', 'aws:SecureTransport': 'true' }) }, { 'acs:AccessId': 'AKIAALICE', 'aws:SourceIp': '127.0.0.1', 'aws:SecureTransport': 'false' });
    assert.equal(authorizeAdmin(onLoopback, 0, 'ListUsers', '*', { 'aws:sourceIP': '10.1.1.1' }).ok, false, 'denied from 127.0.0.1 whatever the use case passed');
    assert.equal(authorizeAdmin(caller, 0, 'ListUsers', '*', { 'aws:sourceIP': '10.1.1.1' }).ok, true, 'a caller made in process decides on what it is given');
  });
});

const openssl = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe('over TLS (--tls-cert): aws:SecureTransport is true on the IAM API and /v1/', { skip: openssl ? false : 'openssl is absent (apt-get install openssl)' }, () => {
  it('a Deny if SecureTransport false does not refuse HTTPS; a Deny if true does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-admin-tls-'));
    execFileSync(openssl as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {}, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    const agent = new HttpsAgent({ ca: await readFile(join(dir, 'cert.pem'), 'utf8') });
    const creds = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const client = (credentials: Credentials) => new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: { httpsAgent: agent } });
    const admin = client({ accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey });
    let aliceIam: IAMClient | undefined;
    try {
      assert.match(server.url, /^https:\/\//);
      await admin.send(new CreateUserCommand({ UserName: 'alice' }));
      await admin.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'grants', PolicyDocument: GRANTS }));
      await admin.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'guard', PolicyDocument: denyIf({ Bool: { 'aws:SecureTransport': 'false' } }) }));
      const key = await admin.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
      aliceIam = client({ accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' });
      assert.ok(((await aliceIam.send(new ListUsersCommand({}))).Users ?? []).some((u) => u.UserName === 'alice'), 'allowed over HTTPS');
      await admin.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'guard', PolicyDocument: denyIf({ Bool: { 'aws:SecureTransport': 'true' } }) }));
      assert.equal(await errorName(aliceIam.send(new ListUsersCommand({}))), 'AccessDenied', 'the key is present and true');
    } finally {
      aliceIam?.destroy();
      admin.destroy();
      agent.destroy();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
