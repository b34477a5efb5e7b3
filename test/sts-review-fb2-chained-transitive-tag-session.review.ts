/**
 * Review fb, 2: a chained AssumeRole that carries the calling session's transitive tags into the new session needs
 * `sts:TagSession`, as AWS asks, even when the request itself passes no tag. The new session is tagged (its principal
 * tags include the inherited ones, IAM User Guide, "Chaining roles with session tags"), and AWS refuses the hop when the
 * next role's trust policy does not allow it: "… is not authorized to perform: sts:TagSession on resource: <role>", the
 * refusal every EKS Pod Identity chain meets (Pod Identity's session tags are transitive: aws/eks-pod-identity-agent#80,
 * "we might not be able to add sts:TagSession to trust policy of a role that we don't own").
 *
 * Gatehouse asked for `sts:TagSession` only when the request named tags (`Tags`), so a session carrying transitive tags
 * assumed a role whose trust policy allows sts:AssumeRole alone, and the new session carried tags that role never agreed
 * to take (and that its policies then read as `aws:PrincipalTag`). Now the inherited tags count: without sts:TagSession
 * the hop is refused in AWS's words; with it, issued as before. A session without transitive tags, and a first hop
 * without tags, still need no sts:TagSession. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const role = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;

const credsOf = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });

before(async () => {
  s = await startTestServer();
  alice = await userWithKey(s, 'alice');
  const iam = s.iam();
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }));
  // first: alice may assume it and tag its sessions; its sessions may assume any role (its own policy asks no TagSession).
  await iam.send(new I.CreateRoleCommand({ RoleName: 'first', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'first', PolicyName: 'chain', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  // untagged: trusts first for sts:AssumeRole only; tagged: for sts:TagSession too.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'untagged', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: role('first') }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: role('first') }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
  // Reads alice's own user only when the session carries team=ml (to see the inherited tag at work).
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'tagged', PolicyName: 'by-tag', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ml' } } }) }));
});
after(async () => s?.stop());

const firstSession = async (input: Partial<S.AssumeRoleCommandInput>): Promise<Credentials> =>
  credsOf((await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: role('first'), RoleSessionName: 'hop1', ...input }))).Credentials);

test('fb2: a session carrying transitive tags needs sts:TagSession from the next role’s trust policy, as AWS', async () => {
  const hop1 = await firstSession({ Tags: [{ Key: 'team', Value: 'ml' }], TransitiveTagKeys: ['team'] });

  const refused = await sdkFailure(s.sts(hop1).send(new S.AssumeRoleCommand({ RoleArn: role('untagged'), RoleSessionName: 'hop2' })));
  assert.deepEqual([refused.code, refused.status], ['AccessDenied', 403]);
  assert.match(refused.message, new RegExp(`^User: arn:aws:sts::${ACCT}:assumed-role/first/hop1 is not authorized to perform: sts:TagSession on resource: arn:aws:iam::${ACCT}:role/untagged`));

  const hop2 = credsOf((await s.sts(hop1).send(new S.AssumeRoleCommand({ RoleArn: role('tagged'), RoleSessionName: 'hop2' }))).Credentials);
  const me = await s.iam(hop2).send(new I.GetUserCommand({ UserName: 'alice' }));
  assert.equal(me.User?.UserName, 'alice', 'the inherited team=ml is the new session’s principal tag');
});

test('fb2: without transitive tags (none, or tags that are not transitive) the chain needs no sts:TagSession', async () => {
  const plain = await firstSession({});
  const a = await s.sts(plain).send(new S.AssumeRoleCommand({ RoleArn: role('untagged'), RoleSessionName: 'hop2' }));
  assert.ok(a.Credentials?.SessionToken);
  const notTransitive = await firstSession({ Tags: [{ Key: 'team', Value: 'ml' }] });
  const b = await s.sts(notTransitive).send(new S.AssumeRoleCommand({ RoleArn: role('untagged'), RoleSessionName: 'hop2' }));
  assert.ok(b.Credentials?.SessionToken);
});
