/**
 * Decisions and session verification through a PostgreSQL outage, whatever happened just before it: every
 * principal is compiled in memory at start and kept there, a change recompiling only what it touched. So with the
 * database stopped (test/support/pg-cluster.ts), a user who has made no request yet is decided for (signing with
 * its access key, or named by another caller), and a valid session is verified (GetCallerIdentity), after:
 *   (a) a managed policy attached nowhere was created;
 *   (b) a revocation was made on that instance (as at every job's end), and the key ring rotated;
 *   (c) the instance was restarted and said it was ready.
 * Skipped, with the reason, where no PostgreSQL server binaries are installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreatePolicyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
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
    for (const name of ['bob', 'carol', 'dave', 'erin', 'frank', 'grace']) {
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
});
