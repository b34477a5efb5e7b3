/**
 * Review hp, 1: a job's role ARN must name the role exactly, path included, as AssumeRole finds it (src/app/sts.ts:
 * "an `aws` role ARN carries its path"). A submission found the role by its name alone and ignored the path it was
 * given: `arn:aws:iam::A:role/sandbox/finance-admin` ran the job as `arn:aws:iam::A:role/finance-admin`, which AWS
 * never does (the ARN names no role), and the refusal told what review ag, 4 had stopped telling: a user allowed to
 * pass only the roles under `/sandbox/` got `not allowed to perform iam:PassRole on …:role/finance-admin` for a name a
 * role has and `does not exist` for one no role has, so it could list every role name of the account, and their
 * paths. Now an ARN whose path is not the role's names no role: PassRole is decided on it as given, then the role is
 * said not to exist; a node's instance role given by ARN is held to the same. Real server (SQLite), the admin API as
 * the CLI signs it, SDK v3 IAM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ROLE = (pathAndName: string) => `arn:aws:iam::${A}:role/${pathAndName}`;

let server: TestServer;
const who: Record<string, Credentials> = {};

async function user(name: string, ...statements: object[]): Promise<void> {
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  who[name] = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

/** A submission by `name`: its status, and its error message with `hide` replaced by `X`. */
async function submit(name: string, role: string, hide: string): Promise<{ status: number; message: string }> {
  const r = await gatehouseJson(server.url, who[name] as Credentials, 'POST', '/v1/jobs', { workspace: 'w', role, imds: false });
  return { status: r.status, message: String((r.json['error'] as { message?: string } | undefined)?.message ?? JSON.stringify(r.json)).replaceAll(hide || '\u0000', 'X') };
}

before(async () => {
  server = await startTestServer();
  const trust = doc({ Effect: 'Allow', Action: ['sts:AssumeRole'], Principal: { Service: ['training.gatehouse.dev', 'compute.gatehouse.dev'] } });
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'finance-admin', AssumeRolePolicyDocument: trust }));
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'scratch', Path: '/sandbox/', AssumeRolePolicyDocument: trust }));
  // Allowed to pass the roles under /sandbox/ only.
  await user('sam', { Effect: 'Allow', Action: ['training:*'], Resource: '*' }, { Effect: 'Allow', Action: 'iam:PassRole', Resource: ROLE('sandbox/*') });
  // Allowed to pass every role.
  await user('pat', { Effect: 'Allow', Action: ['training:*', 'iam:PassRole'], Resource: '*' });
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'sam' }, { user: 'pat' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  const c = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/gpu', { instanceRole: ROLE('sandbox/finance-admin') });
  assert.equal(c.status, 200, JSON.stringify(c.json));
});
after(async () => {
  await server?.stop();
});

describe('review hp1: a role ARN names the role with its path', () => {
  test('the role at its own path is passed', async () => {
    const r = await submit('sam', ROLE('sandbox/scratch'), '');
    assert.equal(r.status, 201, r.message);
  });

  test('under another path, a role that exists is refused as one that does not: nothing is told of it', async () => {
    const [there, absent] = await Promise.all([submit('sam', ROLE('sandbox/finance-admin'), 'finance-admin'), submit('sam', ROLE('sandbox/no-such-role'), 'no-such-role')]);
    // Before the fix: 403 `… is not allowed to perform iam:PassRole on arn:aws:iam::000000000000:role/X …` (its real ARN).
    assert.deepEqual(there, { status: 403, message: `check permission for ram role failed: role ${ROLE('sandbox/X')} does not exist in account ${A}` });
    assert.deepEqual(absent, there);
  });

  test('a user allowed to pass every role does not run a job as the role another path names', async () => {
    const r = await submit('pat', ROLE('elsewhere/finance-admin'), '');
    // Before the fix: 201, the job running as arn:aws:iam::000000000000:role/finance-admin.
    assert.deepEqual(r, { status: 403, message: `check permission for ram role failed: role ${ROLE('elsewhere/finance-admin')} does not exist in account ${A}` });
    const listed = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
    const roles = (listed.json['jobs'] as { role: { arn?: string } }[]).map((j) => j.role.arn);
    assert.ok(!roles.includes(ROLE('finance-admin')), JSON.stringify(roles));
  });

  test("a cluster's instance role given under another path starts no node", async () => {
    const r = await gatehouseJson(server.url, who['pat'] as Credentials, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    // Before the fix: 201, the node running as arn:aws:iam::000000000000:role/finance-admin.
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(String((r.json['error'] as { message?: string }).message), /^check permission for ram role failed: role arn:aws:iam::000000000000:role\/sandbox\/finance-admin \(instance role of cluster gpu\) does not exist in account 000000000000$/);
  });
});
