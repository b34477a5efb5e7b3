/**
 * Review I, M1 (fixed at integration): a binding of `roles/container.clusterViewer` (or `resourcemanager.workspaces.get`)
 * made POST /v1/authorize answer Allow for training:GetCluster and training:GetWorkspace, and who-can list the user,
 * while GET /v1/clusters/c1 and GET /v1/workspaces/w refused the same user with 403: the cluster and workspace reads
 * asked IAM only. They now ask as the union does (IAM, else a binding, cut by the caller's limits), so the answer and
 * the enforcement agree; an explicit IAM deny still refuses. Real server, SigV4-signed /v1/ requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';

describe('a binding that grants reading clusters and workspaces is enforced as the authorize API answers it', () => {
  let s: TestServer;
  let carol: Credentials;
  let dave: Credentials;
  const as = (who: Credentials) => connectionTo(s.url, who);

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const keys: Record<string, Credentials> = {};
    for (const u of ['carol', 'dave']) {
      await iam.send(new I.CreateUserCommand({ UserName: u }));
      const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: u }));
      keys[u] = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
    }
    carol = keys['carol'] as Credentials;
    dave = keys['dave'] as Credentials;
    // Dave's identity policy denies what the binding grants: the deny holds.
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['training:GetCluster', 'training:GetWorkspace'], Resource: '*' }] };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'dave', PolicyName: 'deny-reads', PolicyDocument: JSON.stringify(deny) }));
    assert.ok((await call(as(s.admin), 'PUT', ['clusters', 'c1'], { body: {} })).ok);
    assert.ok((await call(as(s.admin), 'PUT', ['workspaces', 'w'], { body: {} })).ok);
    const bound = await call(as(s.admin), 'PUT', ['iam-policies'], {
      body: { resource: `account/${ROOT}`, bindings: [{ role: 'roles/container.clusterViewer', members: ['user:carol', 'user:dave'] }, { role: 'roles/viewer', members: ['user:carol', 'user:dave'] }] },
    });
    assert.ok(bound.ok, bound.ok ? '' : bound.message);
  });
  after(() => s?.stop());

  const decision = async (who: Credentials, action: string, resource: string) => {
    const r = await call<{ decision: string }>(as(who), 'POST', ['authorize'], { body: { action, resource } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };

  it('clusters: authorize says Allow, and the cluster API lets carol get and list them', async () => {
    assert.equal(await decision(carol, 'training:GetCluster', `arn:aws:training::${ROOT}:cluster/c1`), 'Allow');
    const got = await call<{ name: string }>(as(carol), 'GET', ['clusters', 'c1']);
    assert.ok(got.ok, got.ok ? '' : `${got.code}: ${got.message}`);
    const listed = await call<{ clusters: { name: string }[] }>(as(carol), 'GET', ['clusters']);
    assert.ok(listed.ok, listed.ok ? '' : listed.message);
    assert.deepEqual(listed.value.clusters.map((c) => c.name), ['c1']);
  });

  it('workspaces: roles/viewer (resourcemanager.workspaces.get) is enforced as authorize answers it', async () => {
    assert.equal(await decision(carol, 'training:GetWorkspace', `arn:aws:training::${ROOT}:workspace/w`), 'Allow');
    const got = await call(as(carol), 'GET', ['workspaces', 'w']);
    assert.ok(got.ok, got.ok ? '' : `${got.code}: ${got.message}`);
    const listed = await call<{ workspaces: { name: string }[] }>(as(carol), 'GET', ['workspaces']);
    assert.ok(listed.ok, listed.ok ? '' : listed.message);
    assert.deepEqual(listed.value.workspaces.map((w) => w.name), ['w']);
  });

  it('an explicit IAM deny still refuses, in the answer and the API', async () => {
    assert.equal(await decision(dave, 'training:GetCluster', `arn:aws:training::${ROOT}:cluster/c1`), 'ExplicitDeny');
    const got = await call(as(dave), 'GET', ['clusters', 'c1']);
    assert.equal(got.ok ? 'ok' : got.code, 'AccessDenied');
    const ws = await call(as(dave), 'GET', ['workspaces', 'w']);
    assert.equal(ws.ok ? 'ok' : ws.code, 'AccessDenied');
  });
});
