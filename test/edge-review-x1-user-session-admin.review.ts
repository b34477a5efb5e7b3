/**
 * Credentials from GetSessionToken (a user's session, no role) reach no administration on the admin API under
 * `/v1/`, as the IAM Query API already refuses them every IAM action (AWS: without MFA, no IAM). Against a real
 * server: alice, allowed `iam:*`, gets a session from STS with the AWS SDK v3, then signs `/v1/` requests with it
 * (SigV4, service `gatehouse`): listing and creating users, attaching policies, creating access keys and applying
 * configuration are refused 403 naming GetSessionToken; `whoami`, the authorize API about herself (not about another
 * principal: that is IAM simulation) and the job list still answer;
 * her access key, and a role session, keep administering as before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { REGION, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let alice: Credentials;
let session: Credentials;

const doc = (...Statement: Record<string, unknown>[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

async function v1(credentials: Credentials, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const u = new URL(server.url);
  const text = body === undefined ? '' : JSON.stringify(body);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body: text });
  const r = await fetch(new URL(path, u), { method, headers: signed.headers, ...(body === undefined ? {} : { body: text }) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

const errorOf = (r: { json: Record<string, unknown> }) => r.json['error'] as { code: string; message: string; gatehouseCode: string };

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'admin', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:*', 'sts:*', 'gatehouse:*', 'training:*'], Resource: '*' }) }));
  const key = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
  const t = await server.sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  session = { accessKeyId: t.Credentials?.AccessKeyId ?? '', secretAccessKey: t.Credentials?.SecretAccessKey ?? '', sessionToken: t.Credentials?.SessionToken ?? '' };
});

after(async () => {
  await server?.stop();
});

describe('edge review X1: a GetSessionToken session on the admin API', () => {
  it('is refused every administration route, 403 naming GetSessionToken, and nothing changes', async () => {
    const refused = await Promise.all([
      v1(session, 'GET', '/v1/users'),
      v1(session, 'POST', '/v1/users', { name: 'mallory' }),
      v1(session, 'POST', '/v1/users/alice/policies', { policy: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
      v1(session, 'PUT', '/v1/users/alice/inline-policies/more', { document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }),
      v1(session, 'POST', '/v1/access-keys', {}),
      v1(session, 'POST', '/v1/apply', { documents: [], dryRun: true }),
      v1(session, 'POST', '/v1/sts/revoke-sessions', { roleArn: 'arn:aws:iam::000000000000:role/none' }),
      v1(session, 'POST', '/v1/simulate', { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }),
      v1(session, 'GET', '/v1/audit'),
    ]);
    for (const r of refused) {
      assert.equal(r.status, 403, JSON.stringify(r.json));
      assert.equal(errorOf(r).code, 'AccessDenied');
      assert.match(errorOf(r).message, /^credentials from GetSessionToken cannot call (GET|POST|PUT) \/v1\/\S+: without MFA/);
    }
    // Nothing was done: no user mallory, no second key, no new inline policy.
    assert.equal((await sdkFailure(server.iam().send(new I.GetUserCommand({ UserName: 'mallory' })))).code, 'NoSuchEntity');
    assert.equal((await server.iam().send(new I.ListAccessKeysCommand({ UserName: 'alice' }))).AccessKeyMetadata?.length, 1);
    assert.deepEqual((await server.iam().send(new I.ListUserPoliciesCommand({ UserName: 'alice' }))).PolicyNames, ['admin']);
    // As the IAM Query API refuses the same session.
    assert.equal((await sdkFailure(server.iam(session).send(new I.ListUsersCommand({})))).code, 'InvalidClientTokenId');
  });

  it('keeps what is not administration: whoami, the authorize API about itself, its jobs', async () => {
    const me = await v1(session, 'GET', '/v1/whoami');
    assert.equal(me.status, 200, JSON.stringify(me.json));
    assert.equal(me.json['arn'], 'arn:aws:iam::000000000000:user/alice');
    const decided = await v1(session, 'POST', '/v1/authorize', { action: 'iam:ListUsers', resource: '*' });
    assert.equal(decided.status, 200, JSON.stringify(decided.json));
    // Answered, and as the IAM API answers the session (review pc, 2): no IAM call without MFA, whatever its policies say.
    assert.equal(decided.json['decision'], 'ImplicitDeny', JSON.stringify(decided.json));
    assert.match(String((decided.json['reasons'] as string[])[0]), /credentials from GetSessionToken cannot call the IAM API/);
    const jobs = await v1(session, 'GET', '/v1/jobs');
    assert.equal(jobs.status, 200, JSON.stringify(jobs.json));
  });

  it('asks the authorize API about itself only: another principal, or a proof, is refused as IAM simulation', async () => {
    const self = await v1(session, 'POST', '/v1/authorize', { principal: 'arn:aws:iam::000000000000:user/alice', action: 'iam:ListUsers', resource: '*' });
    assert.equal(self.status, 200, JSON.stringify(self.json));
    const other = await v1(session, 'POST', '/v1/authorize', { principal: 'arn:aws:iam::000000000000:user/admin', action: 'iam:ListUsers', resource: '*' });
    assert.equal(other.status, 403, JSON.stringify(other.json));
    assert.match(errorOf(other).message, /^credentials from GetSessionToken may ask the authorize API about themselves only \(`arn:aws:iam::000000000000:user\/alice`\): `principal` asks about another principal/);
    const proof = await v1(session, 'POST', '/v1/authorize', { principalProof: `${server.url}/?Action=GetCallerIdentity&Version=2011-06-15`, action: 'iam:ListUsers', resource: '*' });
    assert.equal(proof.status, 403, JSON.stringify(proof.json));
    const batch = await v1(session, 'POST', '/v1/authorize:batch', { requests: [{ action: 'iam:ListUsers', resource: '*' }, { principal: 'arn:aws:iam::000000000000:user/admin', action: 'iam:ListUsers', resource: '*' }] });
    assert.equal(batch.status, 403, JSON.stringify(batch.json));
    assert.equal((batch.json['error'] as { details: { path: string }[] }).details[0]?.path, 'requests[1].principal');
    const selfBatch = await v1(session, 'POST', '/v1/authorize:batch', { requests: [{ action: 'iam:ListUsers', resource: '*' }] });
    assert.equal(selfBatch.status, 200, JSON.stringify(selfBatch.json));
    // Her access key may ask about another principal (she is allowed gatehouse:Authorize).
    const viaKey = await v1(alice, 'POST', '/v1/authorize', { principal: 'arn:aws:iam::000000000000:user/admin', action: 'iam:ListUsers', resource: '*' });
    assert.equal(viaKey.status, 200, JSON.stringify(viaKey.json));
  });

  it('the user’s access key and a role session keep administering', async () => {
    const viaKey = await v1(alice, 'GET', '/v1/users');
    assert.equal(viaKey.status, 200, JSON.stringify(viaKey.json));
    const iam = server.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:user/alice' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'list', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }) }));
    // The session itself may assume the role (AWS lets it: AssumeRole and GetCallerIdentity).
    const assumed = await server.sts(session).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ops', RoleSessionName: 'x1' }));
    const role: Credentials = { accessKeyId: assumed.Credentials?.AccessKeyId ?? '', secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '', sessionToken: assumed.Credentials?.SessionToken ?? '' };
    const viaRole = await v1(role, 'GET', '/v1/users');
    assert.equal(viaRole.status, 200, JSON.stringify(viaRole.json));
  });
});
