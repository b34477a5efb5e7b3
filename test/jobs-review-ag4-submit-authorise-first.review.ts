/**
 * Review ag, finding 4: a job submission (POST /v1/jobs, `gatehouse jobs run`) told any caller which roles and
 * workspaces exist. The role named was looked up before iam:PassRole was decided on it: a user allowed to pass no role
 * was told `role … does not exist in account …` for a name no role has and `is not allowed to perform iam:PassRole` for
 * one that a role has, so it could list the account's role names, which ListRoles would refuse it; and a workspace's
 * absence was said before training:CreateJob was decided on it. AWS decides iam:PassRole on the ARN it is handed, then
 * whether the role is there. Now PassRole (on the role's ARN as stored, or as given when there is none) and then
 * training:CreateJob (on the workspace's ARN) are decided first: a caller without them gets the same refusal whether
 * the role or workspace exists or not; one allowed is still told that it does not. Real server (SQLite), the admin API
 * as the CLI signs it, SDK v3 IAM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ROLE = (name: string) => `arn:aws:iam::${A}:role/${name}`;

let server: TestServer;
const who: Record<string, Credentials> = {};

async function user(name: string, ...statements: object[]): Promise<void> {
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  if (statements.length > 0) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  who[name] = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

/** The error message of a submission by `name`, with `hide` replaced by `X`; and its status. */
async function submit(name: string, body: Record<string, unknown>, hide: string): Promise<{ status: number; message: string }> {
  const r = await gatehouseJson(server.url, who[name] as Credentials, 'POST', '/v1/jobs', { imds: false, ...body });
  return { status: r.status, message: String((r.json['error'] as { message?: string } | undefined)?.message ?? JSON.stringify(r.json)).replaceAll(hide, 'X') };
}

before(async () => {
  server = await startTestServer();
  const trust = doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'training.gatehouse.dev' } });
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'finance-admin', AssumeRolePolicyDocument: trust }));
  // A member allowed to submit, and to pass no role.
  await user('eve', { Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' });
  // A member allowed to pass every role.
  await user('pat', { Effect: 'Allow', Action: ['training:CreateJob', 'iam:PassRole'], Resource: '*' });
  // Allowed nothing.
  await user('zed');
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/secret-project', { members: [{ user: 'eve' }, { user: 'pat' }, { user: 'zed' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

describe('review ag4: a submission is authorised before it says whether the role or the workspace exists', () => {
  test('without PassRole: the same refusal for a role that exists and for one that does not', async () => {
    const [there, absent] = await Promise.all([
      submit('eve', { workspace: 'secret-project', role: ROLE('finance-admin') }, 'finance-admin'),
      submit('eve', { workspace: 'secret-project', role: ROLE('no-such-role') }, 'no-such-role'),
    ]);
    assert.equal(there.status, 403, there.message);
    assert.match(there.message, /^check permission for ram role failed: .* is not allowed to perform iam:PassRole on arn:aws:iam::000000000000:role\/X/);
    // Before the fix: `check permission for ram role failed: role …/no-such-role does not exist in account …`.
    assert.deepEqual(absent, there);
  });

  test('with PassRole: told the role does not exist', async () => {
    const absent = await submit('pat', { workspace: 'secret-project', role: ROLE('no-such-role') }, 'no-such-role');
    assert.deepEqual(absent, { status: 403, message: `check permission for ram role failed: role ${ROLE('X')} does not exist in account ${A}` });
  });

  test('without training:CreateJob: the same refusal for a workspace that exists and for one that does not', async () => {
    const [there, absent] = await Promise.all([submit('zed', { workspace: 'secret-project', role: 'none' }, 'secret-project'), submit('zed', { workspace: 'no-such-ws', role: 'none' }, 'no-such-ws')]);
    assert.equal(there.status, 403, there.message);
    assert.match(there.message, /^check permission for sub user failed: .* is not allowed to perform training:CreateJob on arn:aws:training::000000000000:workspace\/X/);
    // Before the fix: `check permission for sub user failed: workspace no-such-ws does not exist in account …`.
    assert.deepEqual(absent, there);
  });

  test('with training:CreateJob: told the workspace does not exist; a member submits', async () => {
    const absent = await submit('eve', { workspace: 'no-such-ws', role: 'none' }, 'no-such-ws');
    // A 404 NoSuchEntity since review hz, 2 (it was a 403 AccessDenied, exit 9 in the CLI).
    assert.deepEqual(absent, { status: 404, message: `check permission for sub user failed: workspace X does not exist in account ${A}` });
    const ran = await gatehouseJson(server.url, who['pat'] as Credentials, 'POST', '/v1/jobs', { workspace: 'secret-project', role: ROLE('finance-admin'), imds: false });
    assert.equal(ran.status, 201, JSON.stringify(ran.json));
  });
});
