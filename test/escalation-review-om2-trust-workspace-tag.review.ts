/**
 * Review om, 2: a job's sessions carry the `gatehouse:workspace` session tag (src/core/jobs/jobs.ts `jobSessionTags`), and a
 * role's trust policy may accept the training service only for jobs of some workspaces (`aws:RequestTag/gatehouse:workspace`,
 * as issuance decides it: review hp, 7). A user who may create workspaces (`PUT /v1/workspaces/W`, naming itself a member),
 * submit jobs and pass any role creates the workspace the trust names, or rewrites an existing one's members, and submits a
 * job there that runs as the role (the third test walks it). escalation-paths (reviews bz, 4 and jb, 5) looked for a
 * workspace to join or create only when the user was a member of none it could submit in, and then for the first one it
 * could join, or a new one under a name its own policies spell: a member of any workspace, or a user whose first joinable
 * workspace the trust does not name, was listed with no path to the role, though the server let it through. Now, while a
 * role left to reach trusts jobs by their workspace tag, each workspace the user may join is tried, and so are new ones
 * under the names that trust spells (`ml-*` read as `ml-new`).
 * Real server (SQLite), SDK v3 IAM, the admin API as the CLI signs it.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trustFor = (workspaces: string | string[], op = 'StringEquals') => doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole', Condition: { [op]: { 'aws:RequestTag/gatehouse:workspace': workspaces } } });

describe('review om2: escalation-paths and a role trusting jobs of some workspaces by their workspace tag', () => {
  let s: TestServer;
  let eve: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // `vision-admin` trusts jobs of workspace vision (eve is no member of it); `ml-admin` those of workspaces not made yet.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'vision-admin', AssumeRolePolicyDocument: trustFor('vision') }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ml-admin', AssumeRolePolicyDocument: trustFor('ml-*', 'StringLike') }));
    for (const n of ['vision-admin', 'ml-admin']) await iam.send(new I.PutRolePolicyCommand({ RoleName: n, PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    // Writing an existing workspace asks UpdateWorkspace, a new one CreateWorkspace (review sb, 1).
    eve = await userWithPolicy(s, 'eve', doc({ Effect: 'Allow', Action: ['training:CreateWorkspace', 'training:UpdateWorkspace', 'training:CreateJob', 'iam:PassRole'], Resource: '*' }));
    // eve is a member of `mine`; `vision` exists without her.
    for (const [w, members] of [['mine', [{ user: 'eve' }]], ['vision', []]] as const) {
      const put = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/workspaces/${w}`, { members });
      assert.equal(put.status, 200, JSON.stringify(put.json));
    }
  });
  after(() => s?.stop());

  const stepsOf = async (user: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/${user}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json['reports'] as { canBecome: { path: { to: string; how: string; via?: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
  };

  it('a role trusting jobs of a workspace the user may join is reached through that workspace', async () => {
    const steps = await stepsOf('eve');
    // Before the fix: no step to vision-admin.
    assert.ok(steps.some((st) => st.to === role('vision-admin') && st.how === 'iam:PassRole to a training job' && st.via === `arn:aws:training::${A}:workspace/vision`), JSON.stringify(steps));
  });

  it('a role trusting jobs of workspaces not made yet is reached through a workspace of a name the trust spells', async () => {
    const steps = await stepsOf('eve');
    // Before the fix: no step to ml-admin.
    assert.ok(steps.some((st) => st.to === role('ml-admin') && st.how === 'iam:PassRole to a training job' && /:workspace\/ml-/.test(st.via ?? '')), JSON.stringify(steps));
  });

  it('the paths hold: eve joins vision and creates ml-new, and jobs there run as the roles; one in her own workspace is refused', async () => {
    const own = await gatehouseJson(s.url, eve, 'POST', '/v1/jobs', { workspace: 'mine', role: role('vision-admin') });
    assert.equal(own.status, 403, JSON.stringify(own.json));
    for (const [w, r] of [['vision', 'vision-admin'], ['ml-new', 'ml-admin']] as const) {
      const put = await gatehouseJson(s.url, eve, 'PUT', `/v1/workspaces/${w}`, { members: [{ user: 'eve' }] });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      const job = await gatehouseJson(s.url, eve, 'POST', '/v1/jobs', { workspace: w, role: role(r) });
      assert.equal(job.status, 201, JSON.stringify(job.json));
      assert.equal((job.json['job'] as { role: { arn: string } }).role.arn, role(r));
    }
  });
});
