/**
 * Review I, M2 (fixed at stop 25): workspace membership, which jobs enforce, was unknown to the authorize API's union.
 * A member reading its workspace without a policy (GET /v1/workspaces/w answers 200) was answered ImplicitDeny, and a
 * non-member whose policy allows training:CreateJob (POST /v1/jobs refuses: not a member) was answered Allow; a role,
 * never a member, likewise. The union now answers as jobs enforce: a member may read, only members may submit, an
 * explicit deny stays. Each answer is checked against the enforcement it describes. Real server, the admin API's
 * client (SigV4), SDK v3 IAM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const WS = `arn:aws:training::${ACCT}:workspace/w`;

describe('review M2: the union knows workspace membership', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  const as = (who: Credentials) => connectionTo(s.url, who);
  const decision = async (principal: string, action: string, resource = WS): Promise<{ decision: string; reasons: string[] }> => {
    const r = await call<{ decision: string; reasons: string[] }>(as(s.admin), 'POST', ['authorize'], { body: { principal, action, resource } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value;
  };
  const user = (name: string) => `arn:aws:iam::${ACCT}:user/${name}`;

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['alice', 'bob', 'carol', 'dave']) {
      await iam.send(new I.CreateUserCommand({ UserName: u }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: u }))).AccessKey;
      keys[u] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
    await iam.send(new I.CreateGroupCommand({ GroupName: 'team' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'team', UserName: 'alice' }));
    const submit = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['training:CreateJob', 'iam:PassRole'], Resource: '*' }] };
    for (const u of ['bob', 'carol', 'dave']) await iam.send(new I.PutUserPolicyCommand({ UserName: u, PolicyName: 'submit', PolicyDocument: JSON.stringify(submit) }));
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'training:GetWorkspace', Resource: '*' }] };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'dave', PolicyName: 'no-reads', PolicyDocument: JSON.stringify(deny) }));
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ci', PolicyName: 'submit', PolicyDocument: JSON.stringify(submit) }));
    // alice through her group, carol and dave by name; bob is no member.
    assert.ok((await call(as(s.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ group: 'team' }, { user: 'carol' }, { user: 'dave' }] } })).ok);
  });
  after(() => s?.stop());

  it('a member reads the workspace without a policy: Allow, as GET /v1/workspaces/w; a non-member does not', async () => {
    const alice = await decision(user('alice'), 'training:GetWorkspace');
    assert.equal(alice.decision, 'Allow', JSON.stringify(alice));
    assert.match(alice.reasons.join('\n'), /is a member of workspace `w`/);
    assert.ok((await call(as(keys['alice'] as Credentials), 'GET', ['workspaces', 'w'])).ok);
    // Her name in another case is the same user.
    assert.equal((await decision(user('ALICE'), 'training:GetWorkspace')).decision, 'Allow');
    assert.equal((await decision(user('bob'), 'training:GetWorkspace')).decision, 'ImplicitDeny');
    const bob = await call(as(keys['bob'] as Credentials), 'GET', ['workspaces', 'w']);
    assert.equal(bob.ok ? 'ok' : bob.code, 'AccessDenied');
    // An explicit deny holds against a member, in the answer and the API.
    assert.equal((await decision(user('dave'), 'training:GetWorkspace')).decision, 'ExplicitDeny');
    const dave = await call(as(keys['dave'] as Credentials), 'GET', ['workspaces', 'w']);
    assert.equal(dave.ok ? 'ok' : dave.code, 'AccessDenied');
    // The member asking about itself (no principal) is answered the same.
    const self = await call<{ decision: string }>(as(keys['alice'] as Credentials), 'POST', ['authorize'], { body: { action: 'training:GetWorkspace', resource: WS } });
    assert.ok(self.ok && self.value.decision === 'Allow', JSON.stringify(self));
  });

  it('only members submit jobs: a non-member allowed training:CreateJob is answered ImplicitDeny, as POST /v1/jobs refuses it', async () => {
    const bob = await decision(user('bob'), 'training:CreateJob');
    assert.equal(bob.decision, 'ImplicitDeny', JSON.stringify(bob));
    assert.match(bob.reasons.join('\n'), /is not a member of workspace `w`/);
    const refused = await call(as(keys['bob'] as Credentials), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
    assert.equal(refused.ok ? 'ok' : refused.code, 'AccessDenied');
    const carol = await decision(user('carol'), 'training:CreateJob');
    assert.equal(carol.decision, 'Allow', JSON.stringify(carol));
    const submitted = await call(as(keys['carol'] as Credentials), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
    assert.ok(submitted.ok, submitted.ok ? '' : submitted.message);
    // A role is never a member (jobs are submitted by users); alice is a member without the permission.
    assert.equal((await decision(`arn:aws:iam::${ACCT}:role/ci`, 'training:CreateJob')).decision, 'ImplicitDeny');
    assert.equal((await decision(user('alice'), 'training:CreateJob')).decision, 'ImplicitDeny');
    // Another workspace, which does not exist: nobody is a member.
    assert.equal((await decision(user('carol'), 'training:CreateJob', `arn:aws:training::${ACCT}:workspace/other`)).decision, 'ImplicitDeny');
  });
});
