/**
 * Review fb, 1: STS GetFederationToken was not served: `aws sts get-federation-token --name bob` answered InvalidAction
 * "Could not find operation GetFederationToken for version 2011-06-15", though it is one of STS's six signed operations
 * (STS API reference), the one a broker holding an IAM user's key calls to hand a narrowed session to someone else, and
 * though everything else already knew its principal: policies name `arn:aws:sts::A:federated-user/NAME`, the engine
 * decides for one (`aws:userid` `A:NAME`, no session policy = no rights), and docs/semantics.md described its rules. So
 * a policy written for federated users could be stored and simulated but never met by a caller.
 *
 * Now it is served as AWS documents it (STS API reference, GetFederationToken; IAM User Guide, "Passing session tags
 * using GetFederationToken"): an IAM user's long-term key, with `sts:GetFederationToken` on the federated user's ARN
 * (and `sts:TagSession` for tags), gets a session answering `FederatedUser` {`FederatedUserId` `A:NAME`, `Arn`}; it may
 * do what both the user's policies and the session policy allow, nothing without one; its principal tags are the
 * user's under the session tags; `Name` is 2 to 32 characters of `[\w+=,.@-]`, `DurationSeconds` 900 to 129,600;
 * temporary credentials are refused ("Cannot call GetFederationToken with session credentials"); and the federated
 * user's credentials call no IAM operation and, of STS, GetCallerIdentity only. Real server, SDK v3 (STS, IAM, S3 through
 * the S3 gateway) and the Debian aws CLI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import * as S3 from '@aws-sdk/client-s3';
import { REGION, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { adminS3Client, s3Refusal } from './support/s3.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;
let carol: Credentials;

const credsOf = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
const s3Of = (who: Credentials) => new S3.S3Client({ endpoint: s.running.s3Url, region: REGION, forcePathStyle: true, credentials: who, maxAttempts: 1 });
const read = async (who: Credentials, Key: string): Promise<string> => {
  const c = s3Of(who);
  try {
    return (await (await c.send(new S3.GetObjectCommand({ Bucket: 'fb1-data', Key }))).Body?.transformToString()) ?? '';
  } finally {
    c.destroy();
  }
};

before(async () => {
  s = await startTestServer();
  const admin = adminS3Client(s);
  await admin.send(new S3.CreateBucketCommand({ Bucket: 'fb1-data' }));
  for (const Key of ['ml/a.txt', 'web/b.txt', 'other/c.txt']) await admin.send(new S3.PutObjectCommand({ Bucket: 'fb1-data', Key, Body: Key }));
  admin.destroy();
  alice = await userWithKey(s, 'alice');
  carol = await userWithKey(s, 'carol');
  const iam = s.iam();
  // alice, the broker: may federate anyone and tag their sessions; may herself read ml/ and web/, not other/.
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'alice',
    PolicyName: 'broker',
    PolicyDocument: doc(
      { Effect: 'Allow', Action: ['sts:GetFederationToken', 'sts:TagSession'], Resource: `arn:aws:sts::${ACCT}:federated-user/*` },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::fb1-data/ml/*', 'arn:aws:s3:::fb1-data/web/*'] },
      { Effect: 'Allow', Action: 'sts:GetSessionToken', Resource: '*' },
    ),
  }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
});
after(async () => s?.stop());

test('fb1: a federated user session: its ARN and id, the intersection of the user’s and the session’s policies, its tags', async () => {
  const t = await s.sts(alice).send(new S.GetFederationTokenCommand({
    Name: 'bob',
    DurationSeconds: 1800,
    // The team's folder by the session tag, and other/ (which alice herself may not read).
    Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::fb1-data/${aws:PrincipalTag/team}/*', 'arn:aws:s3:::fb1-data/other/*'] }),
    Tags: [{ Key: 'team', Value: 'ml' }],
  }));
  assert.deepEqual(t.FederatedUser, { FederatedUserId: `${ACCT}:bob`, Arn: `arn:aws:sts::${ACCT}:federated-user/bob` });
  assert.match(t.Credentials?.AccessKeyId ?? '', /^ASIA/);
  const left = (t.Credentials?.Expiration?.getTime() ?? 0) - Date.now();
  assert.ok(left > 1700_000 && left <= 1800_000, `DurationSeconds 1800: ${t.Credentials?.Expiration?.toISOString()}`);
  assert.ok((t.PackedPolicySize ?? 0) > 0);
  const bob = credsOf(t.Credentials);

  const id = await s.sts(bob).send(new S.GetCallerIdentityCommand({}));
  assert.deepEqual({ UserId: id.UserId, Account: id.Account, Arn: id.Arn }, { UserId: `${ACCT}:bob`, Account: ACCT, Arn: `arn:aws:sts::${ACCT}:federated-user/bob` });

  assert.equal(await read(bob, 'ml/a.txt'), 'ml/a.txt', 'both alice’s policy and the session policy (by its tag) allow ml/');
  const [code, status, message] = await s3Refusal(read(bob, 'web/b.txt'));
  assert.deepEqual([code, status], ['AccessDenied', 403], 'alice may read web/, the session policy does not allow it');
  assert.match(message, /federated-user\/bob/);
  assert.deepEqual((await s3Refusal(read(bob, 'other/c.txt'))).slice(0, 2), ['AccessDenied', 403], 'the session policy allows other/, alice may not read it');

  // Counted under its own API, not `other`.
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^gatehouse_sessions_issued_total\{via="GetFederationToken"\} [1-9]/m);
});

test('fb1: without a session policy the federated user may do nothing; the default lifetime is 12 hours', async () => {
  const t = await s.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'eve@example.com' }));
  const left = (t.Credentials?.Expiration?.getTime() ?? 0) - Date.now();
  assert.ok(left > 43100_000 && left <= 43200_000, `default 43200 s: ${t.Credentials?.Expiration?.toISOString()}`);
  const eve = credsOf(t.Credentials);
  assert.equal((await s.sts(eve).send(new S.GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ACCT}:federated-user/eve@example.com`);
  assert.deepEqual((await s3Refusal(read(eve, 'ml/a.txt'))).slice(0, 2), ['AccessDenied', 403]);
});

test('fb1: refused as STS refuses it', async () => {
  const fed = (who: Credentials, input: S.GetFederationTokenCommandInput) => sdkFailure(s.sts(who).send(new S.GetFederationTokenCommand(input)));

  const notAllowed = await fed(carol, { Name: 'bob', Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
  assert.deepEqual([notAllowed.code, notAllowed.status], ['AccessDenied', 403]);
  assert.match(notAllowed.message, new RegExp(`User: arn:aws:iam::${ACCT}:user/carol is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::${ACCT}:federated-user/bob`));

  const session = credsOf((await s.sts(alice).send(new S.GetSessionTokenCommand({}))).Credentials);
  const fromSession = await fed(session, { Name: 'bob' });
  assert.deepEqual([fromSession.code, fromSession.status], ['AccessDenied', 403]);
  assert.match(fromSession.message, /^Cannot call GetFederationToken with session credentials/);

  const short = await fed(alice, { Name: 'b' });
  assert.deepEqual([short.code, short.status], ['ValidationError', 400]);
  assert.match(short.message, /Value 'b' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2/);
  const long = await fed(alice, { Name: 'x'.repeat(33) });
  assert.match(long.message, /at 'name' failed to satisfy constraint: Member must have length less than or equal to 32/);
  const slash = await fed(alice, { Name: 'a/b' });
  assert.match(slash.message, /at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  const tooLong = await fed(alice, { Name: 'bob', DurationSeconds: 129_601 });
  assert.deepEqual([tooLong.code, tooLong.status], ['ValidationError', 400]);
  assert.match(tooLong.message, /Member must have value less than or equal to 129600/);
  const twice = await fed(alice, { Name: 'bob', Tags: [{ Key: 'team', Value: 'a' }, { Key: 'TEAM', Value: 'b' }] });
  assert.equal(twice.code, 'InvalidParameterValue');
  const reserved = await fed(alice, { Name: 'bob', Tags: [{ Key: 'aws:team', Value: 'a' }] });
  assert.equal(reserved.code, 'ValidationError');
  const malformed = await fed(alice, { Name: 'bob', Policy: '{"Version":' });
  assert.equal(malformed.code, 'MalformedPolicyDocument');
});

test('fb1: a federated user’s credentials call no IAM operation and, of STS, GetCallerIdentity only', async () => {
  const bob = credsOf((await s.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'bob', Policy: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }))).Credentials);
  assert.ok((await s.sts(bob).send(new S.GetCallerIdentityCommand({}))).Arn);
  const iam = await sdkFailure(s.iam(bob).send(new I.ListUsersCommand({})));
  assert.deepEqual([iam.code, iam.status], ['AccessDenied', 403]);
  const assume = await sdkFailure(s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/any`, RoleSessionName: 'x1' })));
  assert.deepEqual([assume.code, assume.status], ['AccessDenied', 403]);
  const again = await sdkFailure(s.sts(bob).send(new S.GetFederationTokenCommand({ Name: 'bob2' })));
  assert.deepEqual([again.code, again.message], ['AccessDenied', 'Cannot call GetFederationToken with session credentials']);
  const token = await sdkFailure(s.sts(bob).send(new S.GetSessionTokenCommand({})));
  assert.equal(token.code, 'AccessDenied');
});

describe('Debian aws CLI: sts get-federation-token', { skip: awsCliMissing() }, () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-fb1-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  test('prints the credentials and the federated user', async () => {
    const r = await awsCli(['--endpoint-url', s.url, '--region', REGION, '--output', 'json', 'sts', 'get-federation-token', '--name', 'cli-user', '--tags', 'Key=team,Value=ml'], awsCliEnv(home, alice));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { Credentials: { AccessKeyId: string }; FederatedUser: { FederatedUserId: string; Arn: string } };
    assert.deepEqual(out.FederatedUser, { FederatedUserId: `${ACCT}:cli-user`, Arn: `arn:aws:sts::${ACCT}:federated-user/cli-user` });
    assert.match(out.Credentials.AccessKeyId, /^ASIA/);
  });
});
