/**
 * Review vs, 1. The workspaces API decides a write of a stored workspace (`PUT /v1/workspaces/W` asks
 * `training:UpdateWorkspace`, `DELETE` asks `training:DeleteWorkspace`: src/adapters/http/jobs-api.ts `authorizeInWrite`)
 * on the workspace's ARN in its account's dialect, its name as stored, whichever spelling the caller used, and
 * docs/semantics.md says the authorize API does too ("a workspace's, job's or training cluster's ARN is decided in its
 * account's dialect … an Allow naming only that spelling grants nothing"). The authorize API did so for
 * `training:GetWorkspace` and `training:CreateJob` alone (`decideOnWorkspace`); the writes were decided on the ARN as
 * asked. So in an `acs` account a user allowed `training:UpdateWorkspace` on `arn:aws:training::A:workspace/*` only was
 * answered Allow on `arn:aws:training::A:workspace/lab` while `PUT /v1/workspaces/lab` refused it, and a user allowed on
 * the account's own spelling was answered ImplicitDeny there while the PUT succeeded; in an `aws` account, a question
 * naming the workspace in another case (`workspace/Lab` for `lab`) was answered by an Allow of that spelling the
 * workspaces API never reads.
 *
 * Now the workspace writes (and their bindings' spelling, `resourcemanager.workspaces.update`…) are decided as the reads
 * are: on the stored workspace's own ARN, an explicit deny of the ARN as asked holding too; membership still decides
 * only a read and a submission (a non-member allowed the write is answered Allow, as the PUT succeeds).
 * Real server (SQLite), SigV4-signed /v1/apply, /v1/workspaces, /v1/authorize and /v1/simulate.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, REGION, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '707147604066';
const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const ram = (...Statement: object[]) => ({ inlinePolicies: { p: { Version: '1', Statement } } });
const WRITES = ['training:UpdateWorkspace', 'training:DeleteWorkspace'];

let s: TestServer;
let acs: Credentials;
const keys: Record<string, Credentials> = {};

const decisions = async (asker: Credentials, principal: string, action: string, resource: string): Promise<string[]> => {
  const out: string[] = [];
  for (const path of ['/v1/authorize', '/v1/simulate']) {
    const r = await gatehouseJson(s.url, asker, 'POST', path, { principal, action, resource });
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
    out.push(String(r.json['decision']));
  }
  const batch = await gatehouseJson(s.url, asker, 'POST', '/v1/authorize:batch', { requests: [{ principal, action, resource }] });
  out.push(String((batch.json['results'] as { decision?: string }[] | undefined)?.[0]?.decision));
  return out;
};
const put = (who: Credentials, name: string) => gatehouseJson(s.url, who, 'PUT', `/v1/workspaces/${name}`, { members: [{ user: 'member' }] });

before(async () => {
  s = await startTestServer();
  acs = await accountAdmin(s, A, 'acs');
  const users = {
    // Allowed the writes on AWS's spelling of the account's workspaces only, which the workspaces API never asks about.
    awsspelling: ram({ Effect: 'Allow', Action: WRITES, Resource: `arn:aws:training::${A}:workspace/*` }),
    // Allowed them on the account's own spelling; not a member of the workspace.
    ownspelling: ram({ Effect: 'Allow', Action: WRITES, Resource: `acs:pai::${A}:workspace/*` }),
    // Allowed everywhere, but denied on AWS's spelling: the Deny of the ARN as asked holds.
    denied: ram({ Effect: 'Allow', Action: WRITES, Resource: '*' }, { Effect: 'Deny', Action: 'training:UpdateWorkspace', Resource: `arn:aws:training::${A}:workspace/lab` }),
    member: ram({ Effect: 'Allow', Action: 'training:GetWorkspace', Resource: '*' }),
  };
  const r = await gatehouseJson(s.url, acs, 'POST', '/v1/apply', {
    documents: [...Object.entries(users).map(([n, spec]) => doc('User', n, spec)), doc('Workspace', 'lab', { members: [{ user: 'member' }] })],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const iam = new I.IAMClient({ endpoint: s.url, region: REGION, credentials: acs });
  try {
    for (const n of Object.keys(users)) {
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: n }))).AccessKey;
      keys[n] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  } finally {
    iam.destroy();
  }
});
after(() => s?.stop());

describe('review vs, 1: a workspace write is decided on the workspace’s own ARN, as the workspaces API decides it', () => {
  it('acs account: an Allow of AWS’s spelling alone is no Allow of the write, in any of its spellings', async () => {
    const who = `acs:ram::${A}:user/awsspelling`;
    const refused = await put(keys['awsspelling'] as Credentials, 'lab');
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    for (const action of [...WRITES, 'resourcemanager.workspaces.update', 'resourcemanager.workspaces.delete']) {
      assert.deepEqual(await decisions(acs, who, action, `arn:aws:training::${A}:workspace/lab`), ['ImplicitDeny', 'ImplicitDeny', 'ImplicitDeny'], action);
      assert.deepEqual(await decisions(acs, who, action, `acs:pai::${A}:workspace/lab`), ['ImplicitDeny', 'ImplicitDeny', 'ImplicitDeny'], action);
    }
  });

  it('acs account: an Allow of the account’s own spelling allows the write asked in either spelling, member or not', async () => {
    const who = `acs:ram::${A}:user/ownspelling`;
    for (const action of WRITES) {
      assert.deepEqual(await decisions(acs, who, action, `arn:aws:training::${A}:workspace/lab`), ['Allow', 'Allow', 'Allow'], action);
      assert.deepEqual(await decisions(acs, who, action, `acs:pai::${A}:workspace/lab`), ['Allow', 'Allow', 'Allow'], action);
    }
    const written = await put(keys['ownspelling'] as Credentials, 'lab');
    assert.equal(written.status, 200, JSON.stringify(written.json));
  });

  it('an explicit deny of the ARN as asked still refuses', async () => {
    const who = `acs:ram::${A}:user/denied`;
    assert.deepEqual(await decisions(acs, who, 'training:UpdateWorkspace', `arn:aws:training::${A}:workspace/lab`), ['ExplicitDeny', 'ExplicitDeny', 'ExplicitDeny']);
    assert.deepEqual(await decisions(acs, who, 'training:DeleteWorkspace', `arn:aws:training::${A}:workspace/lab`), ['Allow', 'Allow', 'Allow']);
  });

  it('aws account: a workspace named in another case is decided under its stored name', async () => {
    const cased = await userWithPolicy(s, 'vs1-cased', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: WRITES, Resource: `arn:aws:training::${ROOT}:workspace/Vs1-Lab` }] }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Workspace', 'vs1-lab', { members: [] })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const refused = await gatehouseJson(s.url, cased, 'PUT', '/v1/workspaces/Vs1-Lab', { members: [] });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.deepEqual(await decisions(s.admin, `arn:aws:iam::${ROOT}:user/vs1-cased`, 'training:UpdateWorkspace', `arn:aws:training::${ROOT}:workspace/Vs1-Lab`), ['ImplicitDeny', 'ImplicitDeny', 'ImplicitDeny']);
  });
});
