/**
 * Review I, I1: a resource policy attached to a user's or role's ARN took part in the authorize union's answer for
 * `iam:` and `sts:` actions, which no enforcement point reads it for (the Query API decides IAM actions by identity
 * policies, STS AssumeRole by trust and identity policies). Its Deny answered ExplicitDeny for an AssumeRole that STS
 * granted, and its Allow answered Allow (and who-can listed the user) for a ListAccessKeys the Query API refused.
 * Real server (SQLite) on 127.0.0.1; SDK v3 clients and SigV4-signed `/v1/` requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const ROLE = `arn:aws:iam::${ROOT}:role/r`;
const BOB = `arn:aws:iam::${ROOT}:user/bob`;
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;

describe('authorize: resource policies only where enforcement reads them (review I1)', () => {
  let s: TestServer;
  let alice: Credentials;
  const put = async (arn: string, Statement: object[]) => {
    const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(arn)}`, { document: { Version: V, Statement } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const ask = async (body: object) => {
    const r = await gatehouseJson(s.url, alice, 'POST', '/v1/authorize', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as { decision: string; diagnostics: string[] };
  };

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['alice', 'bob']) await iam.send(new I.CreateUserCommand({ UserName: u }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] }) }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
    await put(ROLE, [{ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Resource: ROLE }]);
    await put(BOB, [{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'iam:ListAccessKeys', Resource: BOB }]);
  });
  after(() => s?.stop());

  it('a Deny on the role ARN: STS issues the session, and authorize says Allow, naming the policy it did not read', async () => {
    const issued = await s.sts(alice).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'probe' }));
    assert.ok(issued.Credentials?.AccessKeyId);
    const a = await ask({ action: 'sts:AssumeRole', resource: ROLE });
    assert.equal(a.decision, 'Allow', JSON.stringify(a));
    assert.ok(a.diagnostics.some((d) => d.includes(`resource policy of ${ROLE}`) && d.includes('not read')), JSON.stringify(a.diagnostics));
  });

  it('an Allow on the user ARN: the Query API refuses ListAccessKeys, and so do authorize and who-can', async () => {
    const refused = await sdkFailure(s.iam(alice).send(new I.ListAccessKeysCommand({ UserName: 'bob' })));
    assert.equal(refused.code, 'AccessDenied');
    assert.equal((await ask({ action: 'iam:ListAccessKeys', resource: BOB })).decision, 'ImplicitDeny');
    const who = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'iam:ListAccessKeys', resource: BOB });
    assert.equal(who.status, 200, JSON.stringify(who.json));
    const names = (who.json['allowed'] as { name: string }[]).map((x) => x.name);
    assert.ok(!names.includes('alice'), JSON.stringify(names));
  });

  it('who-can lists a session that a resource policy names by its ARN (review M3, review ac 1)', async () => {
    const T = 'arn:aws:myapp:::thing/t1';
    const SESSION = `arn:aws:sts::${ROOT}:assumed-role/r/alice`;
    await put(T, [{ Effect: 'Allow', Principal: { AWS: SESSION }, Action: 'myapp:Read', Resource: T }]);
    const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: SESSION, action: 'myapp:Read', resource: T });
    assert.equal(a.json['decision'], 'Allow', JSON.stringify(a.json));
    const who = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'myapp:Read', resource: T });
    assert.ok(!(who.json['allowed'] as { name: string }[]).some((x) => x.name === 'r'), JSON.stringify(who.json));
    assert.ok((who.json['allowed'] as { kind: string; principal: string }[]).some((x) => x.kind === 'session' && x.principal === SESSION), JSON.stringify(who.json));
  });

  it('an Allow on the workspace ARN: jobs refuse training:CreateJob, and so does authorize', async () => {
    const conn = connectionTo(s.url, alice);
    const ws = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'ws'], { body: { members: [{ user: 'alice' }] } });
    assert.ok(ws.ok, ws.ok ? '' : ws.message);
    const WS = `arn:aws:training::${ROOT}:workspace/ws`;
    await put(WS, [{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'training:CreateJob', Resource: WS }]);
    const run = await call(conn, 'POST', ['jobs'], { body: { workspace: 'ws', role: 'default', imds: false } });
    assert.ok(!run.ok && run.code === 'AccessDenied', JSON.stringify(run));
    assert.equal((await ask({ action: 'training:CreateJob', resource: WS })).decision, 'ImplicitDeny');
    // A `training:` action Gatehouse does not enforce is a resource server's: its resource policies still count.
    await put(`arn:aws:training::${ROOT}:model/m`, [{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'training:InvokeModel', Resource: '*' }]);
    assert.equal((await ask({ action: 'training:InvokeModel', resource: `arn:aws:training::${ROOT}:model/m` })).decision, 'Allow');
  });
});
