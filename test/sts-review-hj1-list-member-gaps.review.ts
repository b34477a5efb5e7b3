/**
 * Review hj, 1: the Query API read a list (`PolicyArns.member.N.arn`, `Tags.member.N.Key`, `TransitiveTagKeys.member.N`)
 * from member 1 up to the first missing number, and dropped whatever followed without a word. A request numbering its
 * members from 2, or from 0 as a hand-built or 0-based client does, was answered 200 as if the list were empty: an
 * AssumeRole or AssumeRoleWithWebIdentity meant to narrow its session with a managed session policy got a session with
 * every right of its role (no `PackedPolicySize`, no policy), and one passing session tags got a session without them.
 *
 * Now a list whose members are not numbered 1, 2, 3… without a gap is refused with ValidationError naming the list and
 * the member missing (or misnumbered), and nothing is issued. Lists numbered as the SDKs number them are unchanged.
 *
 * Real server; the real `@aws-sdk/client-sts` (signed and unsigned), whose serialized body a build-step middleware
 * renumbers before it is signed; an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const POLICY = `arn:aws:iam::${ACCT}:policy/hj1-read-only`;

let s: TestServer;
let issuer: OidcIssuer;
let alice: Credentials;

/** An STS client whose serialized form body has `from` replaced by `to` before it is signed. */
function renumbering(client: S.STSClient, from: string, to: string): S.STSClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body?: unknown; headers?: Record<string, string> };
      if (typeof req.body === 'string') {
        const body = req.body.split(from).join(to);
        req.body = body;
        if (req.headers) req.headers['content-length'] = String(Buffer.byteLength(body));
      }
      return next(args);
    },
    { step: 'build', name: 'hj1Renumber' },
  );
  return client;
}

const unsigned = () => new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });

before(async () => {
  issuer = await startOidcIssuer();
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'hj1-read-only', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'hj1', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'hj1-web', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
});

after(async () => {
  await issuer?.close();
  await s?.stop();
});

test('hj1: AssumeRole whose PolicyArns start at member 2 is refused, not issued without its session policy', async () => {
  const sts = renumbering(s.sts(alice), 'PolicyArns.member.1.', 'PolicyArns.member.2.');
  const f = await sdkFailure(sts.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/hj1`, RoleSessionName: 'narrowed', PolicyArns: [{ arn: POLICY }] })));
  assert.equal(f.code, 'ValidationError');
  assert.equal(f.status, 400);
  assert.match(f.message, /`PolicyArns\.member\.1` is missing while `PolicyArns\.member\.2` is given/);
});

test('hj1: AssumeRole whose Tags are numbered from 0 is refused, not issued without its tags', async () => {
  const sts = renumbering(s.sts(alice), 'Tags.member.1.', 'Tags.member.0.');
  const f = await sdkFailure(sts.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/hj1`, RoleSessionName: 'tagged', Tags: [{ Key: 'team', Value: 'ml' }] })));
  assert.equal(f.code, 'ValidationError');
  assert.match(f.message, /parameter `Tags\.member\.0\.Key`: the members of list `Tags` are numbered 1, 2, 3/);
});

test('hj1: AssumeRoleWithWebIdentity whose PolicyArns skip a number is refused', async () => {
  const sts = renumbering(unsigned(), 'PolicyArns.member.2.', 'PolicyArns.member.3.');
  const f = await sdkFailure(
    sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/hj1-web`, RoleSessionName: 'web', WebIdentityToken: await issuer.mint(), PolicyArns: [{ arn: POLICY }, { arn: POLICY }] })),
  );
  assert.equal(f.code, 'ValidationError');
  assert.match(f.message, /`PolicyArns\.member\.2` is missing while `PolicyArns\.member\.3` is given/);
});

test('hj1: lists numbered from 1 without a gap are taken as before', async () => {
  const r = await s.sts(alice).send(
    new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/hj1`, RoleSessionName: 'fine', PolicyArns: [{ arn: POLICY }], Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], TransitiveTagKeys: ['a', 'b'] }),
  );
  assert.ok((r.PackedPolicySize ?? 0) > 0);
  const w = await unsigned().send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/hj1-web`, RoleSessionName: 'web', WebIdentityToken: await issuer.mint(), PolicyArns: [{ arn: POLICY }] }));
  assert.ok((w.PackedPolicySize ?? 0) > 0);
});
