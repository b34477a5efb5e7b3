/**
 * Worlds in an `acs` account (Alibaba's partition): the account itself, made through the CLI, a RAM user with an inline
 * policy, and the worlds the Alibaba STS suites (reviews fn, 2, 3 and 5) and the training-service-name suites (reviews
 * gb, 3 and 4; gj, 4) start from.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './resource-server.ts';
import { cliAgainst, type Credentials, type TestServer } from './server.ts';

/** A new `acs` account `account` on `s`, made by `gatehouse accounts create`; answers its root admin's access key. */
export async function acsAccount(s: Pick<TestServer, 'url' | 'admin'>, account: string): Promise<Credentials> {
  const made = await cliAgainst(s, ['accounts', 'create', '--id', account, '--partition', 'acs', '--json']);
  assert.equal(made.status, 0, made.err);
  const k = JSON.parse(made.out) as { AccessKeyId: string; SecretAccessKey: string };
  return { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey };
}

/** A new RAM user `name` made through `iam`, with the inline policy `p` of `statements` (RAM's `Version: '1'`); answers its access key. */
export async function ramUser(iam: I.IAMClient, name: string, ...statements: object[]): Promise<Credentials> {
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '1', Statement: statements }) }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  return { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
}

/** What a submitter of training jobs is allowed: every training action, and to pass any role. */
export const SUBMITTER: readonly object[] = [
  { Effect: 'Allow', Action: ['training:*'], Resource: '*' },
  { Effect: 'Allow', Action: 'ram:PassRole', Resource: '*' },
];

/**
 * Applies, as `admin` of the `acs` account `account`, the workspace `vision` with `members` (user names) and the
 * cluster `gpu` whose nodes take the role `nodeadm`; fails the test unless the apply is answered 200.
 */
export async function visionAndGpu(s: Pick<TestServer, 'url'>, admin: Credentials, account: string, members: readonly string[]): Promise<void> {
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, account }, spec });
  const applied = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', { documents: [doc('Workspace', 'vision', { members: members.map((user) => ({ user })) }), doc('Cluster', 'gpu', { instanceRole: 'nodeadm' })] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
}

/**
 * The Alibaba STS suites' world: an `acs` account `account` on server `s`, its role `reader` trusting the account's
 * root, and its RAM user `bob`, whose policy allows `sts:AssumeRole` on `reader`. Answers bob's access key.
 */
export async function readerWorld(s: TestServer, account: string): Promise<Credentials> {
  const iam = s.iam(await acsAccount(s, account));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${account}:root`] } }] }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'sts', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `acs:ram::${account}:role/reader` }] }) }));
  const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
  return { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
}
