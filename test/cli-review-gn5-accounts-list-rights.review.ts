/**
 * Review gn, 5: `gatehouse accounts list` (GET /v1/accounts) answered every principal of the root account with every
 * account of the deployment, its id, partition and name (a tenant's name), whatever its policies: a user allowed
 * nothing, a role session, the session of a training job run in the root account. Every other listing asks its
 * permission (`iam:ListUsers`, `training:ListJobs`…), and creating an account asks `iam:CreateAccount`. Now a principal
 * of the root account sees every account when its policies allow `iam:ListAccounts`, and otherwise its own, as the
 * principals of other accounts do.
 *
 * The CLI in process against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import type { Keys } from './support/processes.ts';

let s: TestServer;

async function user(name: string, statements: object[]): Promise<Keys> {
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  if (statements.length > 0) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
}

const listed = async (who: Keys): Promise<string[]> => {
  const r = await gatehouseCliInProcess(['accounts', 'list', '--json'], who, { endpoint: s.url, home: '/nonexistent' });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { accounts: { id: string }[] }).accounts.map((a) => a.id).sort();
};

before(async () => {
  s = await startTestServer();
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: '555566667777', partition: 'aws', name: 'tenant-acme' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
});
after(async () => {
  await s?.stop();
});

test('gn5: a root-account principal allowed nothing lists its own account only', async () => {
  const nobody = await user('nobody', []);
  assert.deepEqual(await listed(nobody), ['000000000000']);
  const reader = await user('s3-reader', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
  assert.deepEqual(await listed(reader), ['000000000000']);
});

test('gn5: iam:ListAccounts (or the admin\'s full rights) lists every account', async () => {
  assert.deepEqual(await listed(s.admin), ['000000000000', '555566667777']);
  const lister = await user('lister', [{ Effect: 'Allow', Action: 'iam:ListAccounts', Resource: '*' }]);
  assert.deepEqual(await listed(lister), ['000000000000', '555566667777']);
  const denied = await user('denied', [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:ListAccounts', Resource: '*' }]);
  assert.deepEqual(await listed(denied), ['000000000000']);
});
