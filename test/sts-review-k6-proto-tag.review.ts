/**
 * Review K, K6: a session tag (or a role's tag) with the key `__proto__` is the session's like any other. The tag-key
 * pattern takes letters and `_`, so `__proto__` is a valid key; `mergeTags` assigned each key (`out[k] = v`), and for
 * this one the assignment set the object's prototype instead (to nothing: a string is no prototype), so the tag was
 * dropped without a word: AssumeRole checked `aws:RequestTag/__proto__` in the trust policy and issued the session,
 * whose policies then never saw `aws:PrincipalTag/__proto__` (an Allow on it refused, a Deny on it never applied).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, ListUsersCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

test('aws:PrincipalTag/__proto__ holds the session tag __proto__', async () => {
  const acct = server.adminFile.AccountId;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
  const iam = server.iam();
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/__proto__': 'ok' } } }] };
  await iam.send(new PutRolePolicyCommand({ RoleName: 'tagged', PolicyName: 'by-tag', PolicyDocument: JSON.stringify(policy) }));
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: role.Role?.Arn, RoleSessionName: 's1', Tags: [{ Key: '__proto__', Value: 'ok' }] }))).Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  const users = await server.iam({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }).send(new ListUsersCommand({}));
  assert.ok(users.Users?.some((u) => u.UserName === 'admin'));
});

test('a transitive __proto__ tag carries over to a chained session', async () => {
  const acct = server.adminFile.AccountId;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
  const iam = server.iam();
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'chained', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' },
      { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/__proto__': 'ok' } } },
    ],
  };
  await iam.send(new PutRolePolicyCommand({ RoleName: 'chained', PolicyName: 'chain', PolicyDocument: JSON.stringify(policy) }));
  const first = (await server.sts().send(new AssumeRoleCommand({ RoleArn: role.Role?.Arn, RoleSessionName: 'first', Tags: [{ Key: '__proto__', Value: 'ok' }], TransitiveTagKeys: ['__proto__'] }))).Credentials;
  assert.ok(first?.AccessKeyId && first.SecretAccessKey && first.SessionToken);
  const asFirst = { accessKeyId: first.AccessKeyId, secretAccessKey: first.SecretAccessKey, sessionToken: first.SessionToken };
  const second = (await server.sts(asFirst).send(new AssumeRoleCommand({ RoleArn: role.Role?.Arn, RoleSessionName: 'second' }))).Credentials;
  assert.ok(second?.AccessKeyId && second.SecretAccessKey && second.SessionToken);
  const users = await server.iam({ accessKeyId: second.AccessKeyId, secretAccessKey: second.SecretAccessKey, sessionToken: second.SessionToken }).send(new ListUsersCommand({}));
  assert.ok(users.Users?.some((u) => u.UserName === 'admin'));
});
