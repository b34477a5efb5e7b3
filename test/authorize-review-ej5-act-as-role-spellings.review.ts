/**
 * Review ej, 5 (fixed in src/app/authorize.ts `decideWho`). Passing a role is decided on the role's canonical ARN, an
 * explicit deny spelt in the other dialect applying too, whatever spelling or case the question uses (docs/semantics.md,
 * "Roles as resources", review U): so jobs decide PassRole, and so the authorize API answered `iam:PassRole` and
 * `ram:PassRole`. Not `iam.serviceAccounts.actAs`, the same request in the bindings' spelling: it was decided on the
 * ARN as asked. A user whose IAM policy denies `iam:PassRole` on `arn:aws:iam::A:role/trainer`, granted
 * `roles/iam.serviceAccountUser` on the account, was answered ExplicitDeny for `iam.serviceAccounts.actAs` on that ARN
 * but Allow on `arn:aws:iam::A:role/TRAINER` or `acs:ram::A:role/trainer`, though jobs refuse to let it pass the role;
 * and a user granted the role on the role's own ARN was refused on those spellings, though jobs let it pass the role.
 *
 * Now `iam.serviceAccounts.actAs` on a role the directory holds is decided as PassRole is. Real server (SQLite), SDK v3
 * IAM, SigV4-signed /v1/ calls, jobs submitted through `POST /v1/jobs`. Before the fix, 2 of the 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const TRAINER = `arn:aws:iam::${A}:role/trainer`;
const SPELLINGS = [`arn:aws:iam::${A}:role/TRAINER`, `acs:ram::${A}:role/trainer`];
const ACT_AS = 'iam.serviceAccounts.actAs';
const user = (name: string): string => `arn:aws:iam::${A}:user/${name}`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let alice: Credentials;
let bob: Credentials;

type Answer = { decision?: string };

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  alice = await userWithKey(server, 'alice');
  bob = await userWithKey(server, 'bob');
  // Both may submit jobs; alice may never pass trainer.
  for (const name of ['alice', 'bob']) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'submit', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }) }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'never-trainer', PolicyDocument: doc({ Effect: 'Deny', Action: 'iam:PassRole', Resource: TRAINER }) }));
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/ws1', { members: [{ user: 'alice' }, { user: 'bob' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  for (const [resource, member] of [[`account/${A}`, 'user:alice'], [TRAINER, 'user:bob']] as const) {
    const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/iam.serviceAccountUser', members: [member] }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
});
after(() => server?.stop());

const ask = async (principal: string, action: string, resource: string): Promise<Answer> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as Answer;
};

test('an explicit deny of PassRole holds against actAs in every spelling of the role, as jobs refuse the pass', async () => {
  const job = await gatehouseJson(server.url, alice, 'POST', '/v1/jobs', { workspace: 'ws1', role: TRAINER, imds: false });
  assert.ok(job.status >= 400, JSON.stringify(job.json));
  assert.equal((await ask(user('alice'), ACT_AS, TRAINER)).decision, 'ExplicitDeny');
  for (const resource of SPELLINGS) {
    assert.equal((await ask(user('alice'), 'iam:PassRole', resource)).decision, 'ExplicitDeny', resource);
    const a = await ask(user('alice'), ACT_AS, resource);
    assert.equal(a.decision, 'ExplicitDeny', `${resource}: ${JSON.stringify(a)}`);
  }
});

test('a binding on the role’s own ARN lets its member act as the role in every spelling, as jobs let it pass the role', async () => {
  const job = await gatehouseJson(server.url, bob, 'POST', '/v1/jobs', { workspace: 'ws1', role: TRAINER, imds: false });
  assert.equal(job.status, 201, JSON.stringify(job.json));
  assert.equal((await ask(user('bob'), ACT_AS, TRAINER)).decision, 'Allow');
  for (const resource of SPELLINGS) {
    const a = await ask(user('bob'), ACT_AS, resource);
    assert.equal(a.decision, 'Allow', `${resource}: ${JSON.stringify(a)}`);
  }
});

test('a role the directory does not hold is decided as asked', async () => {
  assert.equal((await ask(user('bob'), ACT_AS, `arn:aws:iam::${A}:role/ghost`)).decision, 'ImplicitDeny');
  assert.equal((await ask(user('alice'), ACT_AS, `arn:aws:iam::${A}:role/ghost`)).decision, 'Allow');
});
