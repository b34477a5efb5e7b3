/**
 * The Alibaba STS suites' world (reviews fn, 2, 3 and 5): an `acs` account `account` on server `s`, its role `reader`
 * trusting the account's root, and its RAM user `bob`, whose policy allows `sts:AssumeRole` on `reader`. Answers bob's
 * access key.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, type Credentials, type TestServer } from './server.ts';

export async function readerWorld(s: TestServer, account: string): Promise<Credentials> {
  const made = await cliAgainst(s, ['accounts', 'create', '--id', account, '--partition', 'acs', '--json']);
  assert.equal(made.status, 0, made.err);
  const k = JSON.parse(made.out) as { AccessKeyId: string; SecretAccessKey: string };
  const iam = s.iam({ accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${account}:root`] } }] }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'sts', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `acs:ram::${account}:role/reader` }] }) }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
  return { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
}
