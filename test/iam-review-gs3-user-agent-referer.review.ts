/**
 * Review gs, finding 3: `aws:UserAgent` and `aws:Referer`, AWS global condition keys set from the request's
 * `User-Agent` and `Referer` headers, reached the S3 gateway's decisions only (review gl, 3). On the IAM and STS Query
 * API and on `/v1/` they were absent: a grant by client (Allow `iam:ListUsers` when `StringLike aws:UserAgent
 * *aws-sdk-js*`, Allow `sts:AssumeRole` the same way) granted nothing, and a grant by the console's page (`aws:Referer`)
 * neither, each call refused AccessDenied; a guard `Deny … StringNotLike aws:UserAgent [...]` refused every call. Now
 * every decision about a caller's own request carries both, each when its header was sent, as the S3 gateway's do.
 * The real AWS SDK v3 and a SigV4-signed `/v1/` request against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const CONSOLE = 'https://console.example.com/';
let s: TestServer;
let bob: Credentials;

before(async () => {
  s = await startTestServer();
  bob = await userWithKey(s, 'bob');
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iam:ListUsers', 'sts:AssumeRole'], Resource: '*', Condition: { StringLike: { 'aws:UserAgent': '*aws-sdk-js*' } } },
      { Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*', Condition: { StringEquals: { 'aws:Referer': CONSOLE } } },
      { Effect: 'Deny', Action: 'iam:ListGroups', Resource: '*', Condition: { StringNotLike: { 'aws:UserAgent': '*aws-sdk-js*' } } },
      { Effect: 'Allow', Action: 'iam:ListGroups', Resource: '*' },
    ],
  };
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'by-client', PolicyDocument: JSON.stringify(policy) }));
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole', Condition: { StringLike: { 'aws:UserAgent': '*aws-sdk-js*' } } }] };
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'sdk-only', AssumeRolePolicyDocument: JSON.stringify(trust) }));
});
after(async () => {
  await s?.stop();
});

/** `client` sending `Referer: value` with every request (signed, as the SDK signs the headers it sends). */
function withReferer<C extends { middlewareStack: I.IAMClient['middlewareStack'] }>(client: C, value: string): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['referer'] = value;
      return next(args);
    },
    { step: 'build', name: 'gs3Referer' },
  );
  return client;
}

/** A `/v1/` request signed as `who`, with these headers besides. */
async function v1(who: Credentials, path: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(s.url);
  const signed = await new SignatureV4({ service: 'gatehouse', region: REGION, credentials: who, sha256: Sha256 }).sign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, headers: { host: u.host, ...headers }, body: '' });
  const r = await fetch(`${u.origin}${path}`, { method: 'GET', headers: signed.headers });
  await r.text();
  return r.status;
}

describe('review gs3: aws:UserAgent and aws:Referer on the Query API and /v1/', () => {
  it('the IAM Query API decides with the SDK user agent and the Referer sent', async () => {
    const iam = s.iam(bob);
    assert.ok((await iam.send(new I.ListUsersCommand({}))).Users);
    assert.ok((await iam.send(new I.ListGroupsCommand({}))).Groups);
    assert.equal((await sdkFailure(iam.send(new I.ListRolesCommand({})))).code, 'AccessDenied');
    assert.ok((await withReferer(s.iam(bob), CONSOLE).send(new I.ListRolesCommand({}))).Roles);
    assert.equal((await sdkFailure(withReferer(s.iam(bob), 'https://elsewhere.example/').send(new I.ListRolesCommand({})))).code, 'AccessDenied');
  });

  it('STS AssumeRole decides the identity and trust policies with the user agent', async () => {
    const r = await s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/sdk-only`, RoleSessionName: 'sdk' }));
    assert.ok(r.Credentials?.AccessKeyId);
  });

  it('/v1/ decides with the User-Agent and Referer headers', async () => {
    assert.equal(await v1(bob, '/v1/users', { 'user-agent': 'aws-sdk-js/3 custom' }), 200);
    assert.equal(await v1(bob, '/v1/users', { 'user-agent': 'curl/8' }), 403);
    assert.equal(await v1(bob, '/v1/roles', { 'user-agent': 'curl/8', referer: CONSOLE }), 200);
    assert.equal(await v1(bob, '/v1/groups', { 'user-agent': 'curl/8' }), 403);
    assert.equal(await v1(bob, '/v1/groups', { 'user-agent': 'aws-sdk-js/3' }), 200);
  });
});
