/**
 * Review tw, 3: a principal whose permissions boundary is a managed policy it holds only as its boundary, and which
 * may make another version of that policy the default (`iam:SetDefaultPolicyVersion`), widens what its own policies
 * may do: a boundary's version that allows `sts:AssumeRole` on an administrator role (or `iam:PassRole` on a role
 * trusting the training service) frees its own Allow of it. escalation-paths followed a version made the default only
 * for the policies attached to the principal or its groups (reviews sx, 4 and tk, 2), never for its boundary alone, so
 * bea (one SetDefaultPolicyVersion and one AssumeRole from AdministratorAccess) read `anyRight: false` and jo no path
 * to the role its job may run as. A managed policy's default version is the one enforcement reads, a boundary's too
 * (reference/policy-semantics.md §A: the effective permissions are the intersection of identity policies and the
 * boundary; AWS's delegated-administration example denies SetDefaultPolicyVersion on the boundary for this reason). The
 * version now takes the boundary's place in both steps, and only there: kim, whose own policies allow no PassRole, is
 * still no path though its boundary's other version allows it; ben, without SetDefaultPolicyVersion, neither. Taken
 * for real: AssumeRole refused, bea makes v2 the default, AssumeRole answers credentials. Real server (SQLite), SDK v3
 * IAM and STS, admin API.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { assumeRefusedUntil, pathsReport, pathTo, startHopWorld } from './support/escalation.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { iamUserWith, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ADM = `arn:aws:iam::${A}:role/adm`;
const BIG = `arn:aws:iam::${A}:role/big`;
const WS = `arn:aws:training::${A}:workspace/lab`;
const managed = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });

describe('review tw3: a version of its boundary made the default, then AssumeRole or PassRole', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startHopWorld('big');
    const iam = s.iam();
    // Each boundary: v1 (default) lets its holder switch its version and do its work; v2 adds AssumeRole or PassRole.
    const boundary = async (name: string, work: object, more: object) => {
      const v1 = [allow('iam:SetDefaultPolicyVersion', managed(name)), work];
      await iam.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: policy(...v1) }));
      await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: managed(name), PolicyDocument: policy(...v1, more) }));
    };
    await boundary('fence', allow('s3:GetObject'), allow('sts:AssumeRole', ADM));
    await boundary('jfence', allow('training:CreateJob', WS), allow('iam:PassRole', BIG));
    const users: Record<string, [string, object[]]> = {
      bea: ['fence', [allow('sts:AssumeRole', ADM), allow('iam:SetDefaultPolicyVersion', managed('fence'))]],
      ben: ['fence', [allow('sts:AssumeRole', ADM)]],
      jo: ['jfence', [allow('training:CreateJob', WS), allow('iam:PassRole', BIG), allow('iam:SetDefaultPolicyVersion', managed('jfence'))]],
      kim: ['jfence', [allow('training:CreateJob', WS), allow('iam:SetDefaultPolicyVersion', managed('jfence'))]],
    };
    for (const [name, [fence, Statement]] of Object.entries(users)) keys[name] = await iamUserWith(iam, name, { Version: '2012-10-17', Statement }, { PermissionsBoundary: managed(fence) });
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'lab'], { body: { members: ['jo', 'kim'].map((u) => ({ user: u })) } });
    assert.ok(put.ok, JSON.stringify(put));
  });
  after(() => s?.stop());

  it("bea: its boundary's v2 made the default, then AssumeRole on adm (any right)", async () => {
    const r = await pathsReport(s, user('bea'));
    assert.deepEqual(pathTo(r, ADM), ['iam:SetDefaultPolicyVersion+sts:AssumeRole']);
    assert.equal(r.anyRight, true);
  });

  it("jo: its boundary's v2 made the default, then PassRole to a job; not kim, whose own policies pass nothing, nor ben", async () => {
    assert.deepEqual(pathTo(await pathsReport(s, user('jo')), BIG), ['iam:PassRole+iam:SetDefaultPolicyVersion+training:CreateJob']);
    assert.equal(pathTo(await pathsReport(s, user('kim')), BIG), undefined);
    const ben = await pathsReport(s, user('ben'));
    assert.equal(pathTo(ben, ADM), undefined);
    assert.equal(ben.anyRight, false);
  });

  it('the step is real: AssumeRole refused, bea makes v2 the default, AssumeRole answers', async () => {
    await assumeRefusedUntil(s, keys['bea'] as Credentials, ADM, () => s.iam(keys['bea']).send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: managed('fence'), VersionId: 'v2' })));
  });

  it('the step is real for kim: v2 made the default, the job still refused (its own policies pass nothing)', async () => {
    await s.iam(keys['kim']).send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: managed('jfence'), VersionId: 'v2' }));
    const refused = await gatehouseJson(s.url, keys['kim'] as Credentials, 'POST', '/v1/jobs', { workspace: 'lab', role: BIG, imds: false });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
  });
});
