/**
 * Decisions and session verification through a PostgreSQL outage, whatever happened just before it: every
 * principal is compiled in memory at start and kept there, a change recompiling only what it touched. So with the
 * database stopped (test/support/pg-cluster.ts), a user who has made no request yet is decided for (signing with
 * its access key, or named by another caller), and a valid session is verified (GetCallerIdentity), after:
 *   (a) a managed policy attached nowhere was created;
 *   (b) a revocation was made on that instance (as at every job's end), and the key ring rotated;
 *   (c) the instance was restarted and said it was ready.
 * And the Kubernetes webhooks (d): a token of a user who has made no request yet is reviewed and its user's
 * SubjectAccessReview decided from memory; what does need the database is answered as kube-apiserver reads a failure,
 * a Kubernetes `Status` (503 ServiceUnavailable), not the AWS XML of the Query APIs.
 * Skipped, with the reason, where no PostgreSQL server binaries are installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreatePolicyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { ownCluster, until, type Cluster } from './support/pg-cluster.ts';

const ROOT = '000000000000';
const GET_B = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] });

interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

const made = await ownCluster();
const skip = typeof made === 'string' ? `skipped: ${made}` : undefined;

describe('decisions and session verification during an outage, after a change, a revocation or a restart', { skip }, () => {
  const cluster = made as Cluster;
  let server: RunningServer;
  let dataDir = '';
  const logs: string[] = [];
  const clients: { destroy(): void }[] = [];
  let admin: Creds = { accessKeyId: '', secretAccessKey: '' };
  const users = new Map<string, Creds>();
  let session: Creds = { accessKeyId: '', secretAccessKey: '' };
  let bearer = '';

  const config = (credentials: Creds) => ({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const sdk = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  const v1 = (credentials: Creds, method: string, segments: string[], body?: unknown) =>
    call<Record<string, unknown>>({ endpoint: new URL(server.url), credentials, region: 'us-east-1', credentialsSource: 'test' }, method, segments, body === undefined ? {} : { body });
  const start = () => startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, databaseUrl: cluster.url, log: (l) => void logs.push(l) });
  /** The decision, or the error code (`ServiceUnavailable` when it needed the database). */
  const decide = async (creds: Creds, question: Record<string, unknown>): Promise<string> => {
    const r = await v1(creds, 'POST', ['authorize'], question);
    return r.ok ? String(r.value['decision']) : `${r.httpStatus} ${r.code}`;
  };
  const whoAmI = async (creds: Creds): Promise<string> =>
    sdk(new STSClient(config(creds)))
      .send(new GetCallerIdentityCommand({}))
      .then((r) => r.Arn ?? '', (e: { name?: string }) => e.name ?? String(e));
  /** Stops the database, runs `during`, starts it again and waits until the instance is ready again. */
  const outage = async (during: () => Promise<void>): Promise<void> => {
    cluster.stop();
    try {
      await during();
    } finally {
      cluster.start();
      await until('the instance is ready again', async () => (await fetch(`${server.url}/readyz`)).status === 200);
      await until('the audit backlog is written', () => server.app.audit.status().healthy && server.app.audit.status().backlog === 0);
    }
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gh-outage-dir-'));
    server = await start();
    const c = server.adminCredentials;
    assert.ok(c);
    admin = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
    const iam = sdk(new IAMClient(config(admin)));
    for (const name of ['bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'henry']) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'get-b', PolicyDocument: GET_B }));
      const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
      users.set(name, { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' });
    }
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'get-b', PolicyDocument: GET_B }));
    const a = await sdk(new STSClient(config(admin))).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: 's1' }));
    session = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
    const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
    const applied = await v1(admin, 'POST', ['apply'], { documents: [doc('Cluster', 'k1', {}), doc('AccessEntry', 'henry', { cluster: 'k1', principalArn: `arn:aws:iam::${ROOT}:user/henry`, kubernetesGroups: ['devs'] })] });
    assert.ok(applied.ok, JSON.stringify(applied));
    const rbac = await v1(admin, 'POST', ['apply'], {
      cluster: 'k1',
      documents: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'devs-pods' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'pods', apiGroup: 'rbac.authorization.k8s.io' } },
      ],
    });
    assert.ok(rbac.ok, JSON.stringify(rbac));
    const wh = await v1(admin, 'POST', ['clusters', 'k1', 'webhook-config']);
    assert.ok(wh.ok, JSON.stringify(wh));
    bearer = String(wh.value['token']);
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server?.stop().catch(() => {});
    if (typeof made !== 'string') await cluster.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  const S1 = `arn:aws:sts::${ROOT}:assumed-role/trainer/s1`;
  const GET = { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };

  it('(a) after a managed policy attached nowhere is created', async () => {
    // The session is warm: it has been verified before the change.
    assert.equal(await whoAmI(session), S1);
    assert.equal(await decide(session, GET), 'Allow');
    await sdk(new IAMClient(config(admin))).send(new CreatePolicyCommand({ PolicyName: 'unrelated', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }) }));
    await outage(async () => {
      assert.equal(await whoAmI(session), S1, 'the session verified before the event');
      assert.equal(await decide(users.get('bob') as Creds, GET), 'Allow', 'bob signs for the first time');
      assert.equal(await decide(users.get('bob') as Creds, { ...GET, resource: 'arn:aws:s3:::other/k' }), 'ImplicitDeny');
      assert.equal(await decide(session, GET), 'Allow');
      assert.equal(await decide(admin, { ...GET, principal: `arn:aws:iam::${ROOT}:user/erin` }), 'Allow', 'erin, named by another caller');
    });
  });

  it('(b) after a revocation and a key rotation made on this instance', async () => {
    assert.equal(await whoAmI(session), S1);
    const other = await sdk(new STSClient(config(admin))).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: 's2' }));
    const s2: Creds = { accessKeyId: other.Credentials?.AccessKeyId ?? '', secretAccessKey: other.Credentials?.SecretAccessKey ?? '', sessionToken: other.Credentials?.SessionToken ?? '' };
    const revoked = await v1(admin, 'POST', ['sts', 'revoke-sessions'], { sessionArn: `arn:aws:sts::${ROOT}:assumed-role/trainer/s2` });
    assert.ok(revoked.ok, JSON.stringify(revoked));
    const rotated = await v1(admin, 'POST', ['keys', 'rotate']);
    assert.ok(rotated.ok, JSON.stringify(rotated));
    await outage(async () => {
      assert.equal(await whoAmI(session), S1, 'the session verified before the event');
      assert.equal(await decide(users.get('carol') as Creds, GET), 'Allow', 'carol signs for the first time');
      assert.equal(await whoAmI(s2), 'ExpiredToken', 'the revoked session stays revoked');
      assert.equal(await decide(admin, { ...GET, principal: `arn:aws:iam::${ROOT}:user/frank` }), 'Allow', 'frank, named by another caller');
    });
  });

  it('(c) on an instance restarted and ready', async () => {
    await server.stop();
    server = await start();
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    await outage(async () => {
      assert.equal(await whoAmI(session), S1, 'the session verified before the event');
      assert.equal(await decide(users.get('dave') as Creds, GET), 'Allow', 'dave signs for the first time');
      assert.equal(await decide(session, GET), 'Allow');
      assert.equal(await decide(admin, { ...GET, principal: `arn:aws:iam::${ROOT}:user/grace` }), 'Allow', 'grace, named by another caller');
    });
  });

  /** A webhook call as kube-apiserver makes it: status, and the JSON answer's `kind` and `status` (or reason). */
  const webhook = async (which: 'authenticate' | 'authorize', body: unknown): Promise<{ code: number; kind: unknown; status: Record<string, unknown>; reason: unknown; type: string }> => {
    const r = await fetch(`${server.url}/k8s/k1/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
    const text = await r.text();
    let j: Record<string, unknown> = {};
    try {
      j = JSON.parse(text) as Record<string, unknown>;
    } catch {
      j = { text };
    }
    return { code: r.status, kind: j['kind'], status: (j['status'] ?? {}) as Record<string, unknown>, reason: j['reason'], type: r.headers.get('content-type') ?? '' };
  };
  const token = async (creds: Creds): Promise<string> => {
    const u = new URL(server.url);
    const signer = new SignatureV4({ service: 'sts', region: 'us-east-1', credentials: creds, sha256: Sha256 });
    const p = await signer.presign(
      { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, 'x-k8s-aws-id': 'k1' } },
      { expiresIn: 60 },
    );
    return `k8s-aws-v1.${Buffer.from(`${u.protocol}//${u.host}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`).toString('base64url')}`;
  };
  const sar = (user: Record<string, unknown>, verb: string) => ({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { resourceAttributes: { namespace: 'team', verb, version: 'v1', resource: 'pods', name: 'p1' }, user: user['username'], groups: user['groups'], extra: user['extra'] },
  });

  it('(d) the Kubernetes webhooks: decided from memory, and a failure answered as a Kubernetes Status', async () => {
    const henry = users.get('henry') as Creds;
    const made = await token(henry);
    await outage(async () => {
      const tr = await webhook('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: made } });
      assert.equal(tr.code, 200, JSON.stringify(tr));
      assert.equal(tr.status['authenticated'], true, JSON.stringify(tr));
      const user = tr.status['user'] as Record<string, unknown>;
      const get = await webhook('authorize', sar(user, 'get'));
      assert.deepEqual([get.code, get.status['allowed']], [200, true], JSON.stringify(get));
      const del = await webhook('authorize', sar(user, 'delete'));
      assert.deepEqual([del.code, del.status['allowed']], [200, false], JSON.stringify(del));
      // A user named by a review that this instance has never resolved, with a session ARN whose role is unknown here:
      // only the database can say; kube-apiserver is told so in its own terms.
      const stranger = await webhook('authorize', sar({ username: 'stranger', groups: [], extra: { arn: [`arn:aws:sts::${ROOT}:assumed-role/nobody/x`], canonicalArn: [`arn:aws:iam::${ROOT}:role/nobody`] } }, 'get'));
      assert.deepEqual([stranger.code, stranger.kind, stranger.reason, stranger.type], [503, 'Status', 'ServiceUnavailable', 'application/json'], JSON.stringify(stranger));
    });
  });
});
