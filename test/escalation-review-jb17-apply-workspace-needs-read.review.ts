/**
 * Review jb, 17: escalation-paths (review bz, 4), and who-can's default-role jobs since review jb, 7, took
 * `training:UpdateWorkspace` alone for a way into a workspace — `gatehouse apply` of it with the user among the
 * members — but apply reads a document's current state before it writes it, and a user that is no member needs
 * `training:GetWorkspace` from its policies for that read: apply refuses "not authorized to perform:
 * training:GetWorkspace". A user allowed `UpdateWorkspace`, `CreateJob` and `PassRole` was reported to reach a role
 * through a job by a path the server refuses. The join is now asked as apply makes it (`training:GetWorkspace` then
 * `training:UpdateWorkspace`) in both answers. Each is taken for real with `POST /v1/apply` and the job submission.
 * Before the fix 2 of 2 tests failed. Real server (SQLite), admin API (SigV4), SDK v3 IAM.
 * Since review sb, 1 `PUT /v1/workspaces/W` of the existing workspace asks `training:UpdateWorkspace` alone (it asked
 * `training:CreateWorkspace`): UpdateWorkspace alone is a way in again, by PUT, which both answers list (apply still
 * refuses the unread write), and the reader is listed with that one action too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const BIG = `arn:aws:iam::${A}:role/big`;
const WS = `arn:aws:training::${A}:workspace/lab`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });
const lab = (members: string[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name: 'lab' }, spec: { members: members.map((u) => ({ user: u })), defaultBucket: 'arn:aws:s3:::jb17-data' } });

describe('review jb17: joining a workspace by apply needs its read as well as its update', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'big', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    const run = allow(['training:CreateJob', 'iam:PassRole']);
    keys['blind'] = await userWithPolicy(s, 'blind', doc(run, allow('training:UpdateWorkspace', WS)));
    keys['reader'] = await userWithPolicy(s, 'reader', doc(run, allow(['training:GetWorkspace', 'training:UpdateWorkspace'], WS)));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [lab(['admin'])] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  const toBig = async (name: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as { canBecome: { principal: string; path: { actions: string[] }[] }[] }[])[0]?.canBecome.find((b) => b.principal === BIG)?.path.map((st) => st.actions);
  };
  const viaJobs = async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: 'arn:aws:s3:::jb17-data/x' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['throughDefaultRoleJobs'] as { name: string; join?: string }[]).map((j) => [j.name, j.join]).filter(([n]) => n !== 'admin');
  };

  it('UpdateWorkspace alone is a way in by PUT, in both answers; apply refuses the unread write', async () => {
    assert.deepEqual(await toBig('blind'), [['iam:PassRole', 'training:UpdateWorkspace', 'training:CreateJob']]);
    assert.ok((await viaJobs()).some(([n, join]) => n === 'blind' && join === 'training:UpdateWorkspace'));
    const applied = await gatehouseJson(s.url, keys['blind'] as Credentials, 'POST', '/v1/apply', { documents: [lab(['admin', 'blind'])] });
    assert.equal(applied.status, 403, JSON.stringify(applied.json));
    assert.match(String((applied.json['error'] as { message: string }).message), /training:GetWorkspace/);
    const put = await gatehouseJson(s.url, keys['blind'] as Credentials, 'PUT', '/v1/workspaces/lab', lab(['admin', 'blind']).spec);
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });

  it('with GetWorkspace too, both list the one action; the user applies itself in and runs a job as the role', async () => {
    assert.deepEqual(await toBig('reader'), [['iam:PassRole', 'training:UpdateWorkspace', 'training:CreateJob']]);
    // blind is a member now.
    assert.deepEqual(await viaJobs(), [['blind', undefined], ['reader', 'training:UpdateWorkspace']]);
    const applied = await gatehouseJson(s.url, keys['reader'] as Credentials, 'POST', '/v1/apply', { documents: [lab(['admin', 'reader'])] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const job = await call<{ job: { role: { arn?: string } } }>(connectionTo(s.url, keys['reader'] as Credentials), 'POST', ['jobs'], { body: { workspace: 'lab', role: BIG, imds: false } });
    assert.ok(job.ok, job.ok ? '' : job.message);
    assert.equal(job.value.job.role.arn, BIG);
  });
});
