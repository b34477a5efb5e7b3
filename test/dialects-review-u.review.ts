/**
 * Review U (the Alibaba Cloud `acs` side): a rule spelt in one dialect governs what the other dialect's spelling of
 * the same role names. Shown against a real server (startTestServer, SQLite in a temporary dir) with real clients:
 * `@aws-sdk/client-iam` and `@aws-sdk/client-sts`, the `gatehouse` CLI in process (cliAgainst) and the admin REST
 * client the CLI uses (`call`, SigV4 service `gatehouse`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const AWS = '000000000000';
const ACS = '123456789012';
const ram = (name: string, acct = ACS) => `acs:ram::${acct}:role/${name}`;
const iamRole = (name: string, acct = ACS) => `arn:aws:iam::${acct}:role/${name}`;
const v1 = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });
const v2012 = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ALLOW_ALL = { Effect: 'Allow', Action: '*', Resource: '*' };

let s: TestServer;
let acsAdmin: Credentials;
const keys: Record<string, Credentials> = {};

const conn = (c: Credentials) => connectionTo(s.url, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) });

async function user(admin: Credentials, name: string, ...documents: string[]): Promise<Credentials> {
  const iam = s.iam(admin);
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  for (const [i, d] of documents.entries()) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: `p${i}`, PolicyDocument: d }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  return keys[name];
}

/** AssumeRole through the real STS client: 'ok', or the error's code and message. */
async function assume(who: Credentials, roleArn: string): Promise<string> {
  const p = s.sts(who).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's1' }));
  try {
    await p;
    return 'ok';
  } catch {
    const f = await sdkFailure(p);
    return `${f.code}: ${f.message}`;
  }
}

/** Submits a job through POST /v1/jobs (what `jobs run` calls) as `who`, stops it if it started: 'ok' or the refusal. */
async function submit(who: Credentials, role: string): Promise<string> {
  const r = await call<{ job: { id: string } }>(conn(who), 'POST', ['jobs'], { body: { workspace: 'pai-ws', role, imds: false } });
  if (!r.ok) return `${r.httpStatus}: ${r.message}`;
  assert.ok((await call(conn(who), 'POST', ['jobs', r.value.job.id, 'stop'])).ok);
  return 'ok';
}

before(async () => {
  s = await startTestServer();
  acsAdmin = await accountAdmin(s, ACS, 'acs');
  const acsIam = s.iam(acsAdmin);
  // trainer: the training service and the acs account's own principals may assume it; secret: the aws account may.
  await acsIam.send(new I.CreateRoleCommand({
    RoleName: 'trainer',
    AssumeRolePolicyDocument: v1({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['pai.aliyuncs.com'] } }, { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }),
  }));
  await acsIam.send(new I.CreateRoleCommand({ RoleName: 'secret', AssumeRolePolicyDocument: v1({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${AWS}:root`] } }) }));
  // The aws account's role r, which its own account may assume.
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: v2012({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: `arn:aws:iam::${AWS}:root` } }) }));

  // acs users: ok may do anything; alice is denied trainer in the AWS spelling (Version 2012-10-17); carol is denied
  // iam:PassRole (the AWS name of the action) on trainer in the RAM spelling (Version "1").
  await user(acsAdmin, 'ok', v1(ALLOW_ALL));
  await user(acsAdmin, 'alice', v1(ALLOW_ALL), v2012({ Effect: 'Deny', Action: ['sts:AssumeRole', 'iam:PassRole'], Resource: iamRole('trainer') }));
  await user(acsAdmin, 'carol', v1(ALLOW_ALL), v1({ Effect: 'Deny', Action: 'iam:PassRole', Resource: ram('trainer') }));
  // amy: denied ram:PassRole and sts:AssumeRole on secret in its own (RAM) spelling.
  await user(acsAdmin, 'amy', v1(ALLOW_ALL, { Effect: 'Deny', Action: ['ram:PassRole', 'sts:AssumeRole'], Resource: ram('secret') }));
  // aws users: erin may do anything; dave is denied secret (an acs role) in the AWS spelling and r (an aws role) in
  // the RAM spelling (Version "1").
  await user(s.admin, 'erin', v2012(ALLOW_ALL));
  await user(s.admin, 'dave', v2012(ALLOW_ALL, { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: iamRole('secret') }), v1({ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: ram('r', AWS) }));
  const ws = await call(conn(acsAdmin), 'PUT', ['workspaces', 'pai-ws'], { body: { members: [{ user: 'ok' }, { user: 'alice' }, { user: 'carol' }] } });
  assert.ok(ws.ok, ws.ok ? '' : ws.message);
});

after(async () => {
  await s?.stop();
});

test('U1: AssumeRole applies a Deny that spells the role in the other dialect, whichever spelling the caller names', async () => {
  const ok = keys['ok'] as Credentials;
  const alice = keys['alice'] as Credentials;
  const dave = keys['dave'] as Credentials;
  const erin = keys['erin'] as Credentials;
  // Not vacuous: without a Deny each role is assumed, in both spellings.
  for (const arn of [ram('trainer'), iamRole('trainer')]) assert.equal(await assume(ok, arn), 'ok', arn);
  for (const arn of [ram('secret'), iamRole('secret'), iamRole('r', AWS), ram('r', AWS)]) assert.equal(await assume(erin, arn), 'ok', arn);
  // acs account, Deny in the AWS spelling of an acs role.
  for (const arn of [ram('trainer'), iamRole('trainer'), ram('TRAINER')]) {
    assert.match(await assume(alice, arn), /^AccessDenied: .*explicit deny/, `alice assumed ${arn}`);
  }
  // Cross-account: an aws user's Deny in the AWS spelling of an acs role.
  for (const arn of [ram('secret'), iamRole('secret')]) assert.match(await assume(dave, arn), /^AccessDenied: .*explicit deny/, `dave assumed ${arn}`);
  // aws account, a Version "1" Deny in the RAM spelling of an aws role.
  for (const arn of [iamRole('r', AWS), ram('r', AWS)]) assert.match(await assume(dave, arn), /^AccessDenied: .*explicit deny/, `dave assumed ${arn}`);
});

test('U1: job submission applies a PassRole Deny that spells the role or the action in the other dialect', async () => {
  const ok = keys['ok'] as Credentials;
  for (const role of [ram('trainer'), iamRole('trainer')]) assert.equal(await submit(ok, role), 'ok', role);
  // alice: Deny iam:PassRole on arn:aws:iam::A:role/trainer; carol: Deny iam:PassRole (not ram:PassRole) on the RAM ARN.
  for (const who of ['alice', 'carol']) {
    for (const role of [ram('trainer'), iamRole('trainer')]) {
      const r = await submit(keys[who] as Credentials, role);
      assert.match(r, /^403: check permission for ram role failed: .* is not allowed to perform ram:PassRole on acs:ram::123456789012:role\/trainer .*explicit/i, `${who} passed ${role}: ${r}`);
    }
  }
});

/** The authorize API's (or, `simulate`, the simulator's) decision, asked by the admin about `principal`. */
async function decision(path: 'authorize' | 'simulate', principal: string, action: string, resource: string): Promise<string> {
  const d = await call<{ decision: string }>(conn(principal.startsWith('acs:') ? acsAdmin : s.admin), 'POST', [path], { body: { principal, action, resource } });
  assert.ok(d.ok, d.ok ? '' : d.message);
  return d.value.decision;
}

test('U2: the authorize API and simulate decide AssumeRole and PassRole on a role in any spelling or case as STS and jobs do', async () => {
  const user = (name: string, acct = ACS) => `acs:ram::${acct}:user/${name}`;
  for (const path of ['authorize', 'simulate'] as const) {
    // Not vacuous: without a Deny, both spellings and both actions are allowed.
    for (const [action, role] of [['sts:AssumeRole', iamRole('trainer')], ['sts:AssumeRole', ram('trainer')], ['ram:PassRole', iamRole('trainer')], ['ram:PassRole', ram('Trainer')]] as const) {
      assert.equal(await decision(path, user('ok'), action, role), 'Allow', `${path} ok ${action} ${role}`);
    }
    // amy: Deny in the role's own spelling, asked in the other spelling, another case, or with the other action name.
    for (const [action, role] of [['sts:AssumeRole', ram('secret')], ['sts:AssumeRole', iamRole('secret')], ['sts:AssumeRole', ram('SECRET')], ['ram:PassRole', iamRole('secret')], ['ram:PassRole', ram('Secret')], ['iam:PassRole', ram('secret')]] as const) {
      assert.equal(await decision(path, user('amy'), action, role), 'ExplicitDeny', `${path} amy ${action} ${role}`);
    }
    // alice and carol: the Deny spelt in the other dialect (U1), asked in the role's own spelling.
    for (const [who, action, role] of [['alice', 'sts:AssumeRole', ram('trainer')], ['alice', 'ram:PassRole', ram('trainer')], ['carol', 'ram:PassRole', ram('trainer')], ['carol', 'ram:PassRole', iamRole('trainer')]] as const) {
      assert.equal(await decision(path, user(who), action, role), 'ExplicitDeny', `${path} ${who} ${action} ${role}`);
    }
    // dave (aws): a Version "1" Deny on the RAM spelling of the aws role r; the AWS spelling of the acs role secret.
    for (const role of [iamRole('r', AWS), iamRole('secret')]) {
      assert.equal(await decision(path, `arn:aws:iam::${AWS}:user/dave`, 'sts:AssumeRole', role), 'ExplicitDeny', `${path} dave ${role}`);
    }
  }
  // Enforcement agrees: amy may neither assume secret nor pass it, in either spelling.
  const amy = keys['amy'] as Credentials;
  for (const arn of [ram('secret'), iamRole('secret')]) assert.match(await assume(amy, arn), /^AccessDenied: /, arn);
});

test('U2: IAM SimulatePrincipalPolicy decides AssumeRole and PassRole on a role in any spelling or case as STS and jobs do', async () => {
  const iam = s.iam(acsAdmin);
  const simulate = async (who: string, actions: string[], resources: string[]) =>
    (await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `acs:ram::${ACS}:user/${who}`, ActionNames: actions, ResourceArns: resources }))).EvaluationResults?.map((r) => `${r.EvalActionName} ${r.EvalResourceName} ${r.EvalDecision}`);
  assert.deepEqual(await simulate('ok', ['ram:PassRole', 'sts:AssumeRole'], [iamRole('trainer')]), [`ram:PassRole ${iamRole('trainer')} allowed`, `sts:AssumeRole ${iamRole('trainer')} allowed`]);
  const roles = [iamRole('secret'), ram('Secret')];
  assert.deepEqual(await simulate('amy', ['sts:AssumeRole', 'ram:PassRole', 'iam:PassRole'], roles), ['sts:AssumeRole', 'ram:PassRole', 'iam:PassRole'].flatMap((a) => roles.map((r) => `${a} ${r} explicitDeny`)));
  assert.deepEqual(await simulate('alice', ['sts:AssumeRole', 'ram:PassRole'], [ram('trainer')]), [`sts:AssumeRole ${ram('trainer')} explicitDeny`, `ram:PassRole ${ram('trainer')} explicitDeny`]);
  assert.deepEqual(await simulate('carol', ['ram:PassRole'], [ram('trainer')]), [`ram:PassRole ${ram('trainer')} explicitDeny`]);
});

test('U3: a policy on an OSS bucket governs every spelling of the bucket’s ARN and its objects, and says whose the bucket is', async () => {
  const put = (who: Credentials, resource: string, document: object) => call(conn(who), 'PUT', ['resource-policies', resource], { body: { document } });
  // shared-bucket (acs account): its policy denies user ok, who may otherwise do anything.
  const shared = await put(acsAdmin, 'acs:oss:*:*:shared-bucket', { Version: '1', Statement: [{ Effect: 'Deny', Principal: { RAM: [`acs:ram::${ACS}:user/ok`] }, Action: 'oss:*', Resource: 'acs:oss:*:*:shared-bucket/*' }] });
  assert.ok(shared.ok, shared.ok ? '' : shared.message);
  // acs-private (acs account): its policy allows only amy; erin (aws account, Allow *) is another account's.
  const priv = await put(acsAdmin, 'acs:oss:*:*:acs-private', { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACS}:user/amy`] }, Action: 'oss:GetObject', Resource: 'acs:oss:*:*:acs-private/*' }] });
  assert.ok(priv.ok, priv.ok ? '' : priv.message);
  const ok = `acs:ram::${ACS}:user/ok`;
  const erin = `arn:aws:iam::${AWS}:user/erin`;
  for (const arn of ['acs:oss:*:*:shared-bucket/x', 'acs:oss:cn-hangzhou:*:shared-bucket/x', `acs:oss:cn-hangzhou:${ACS}:shared-bucket/x`, `acs:oss:*:${ACS}:shared-bucket/y/z`]) {
    assert.equal(await decision('authorize', ok, 'oss:GetObject', arn), 'ExplicitDeny', arn);
  }
  assert.equal(await decision('authorize', ok, 'oss:GetObject', 'acs:oss:cn-hangzhou:*:other-bucket/x'), 'Allow', 'not vacuous');
  for (const arn of ['acs:oss:*:*:acs-private/x', 'acs:oss:cn-hangzhou:*:acs-private/x', `acs:oss:*:${AWS}:acs-private/x`, `acs:oss:cn-hangzhou:${AWS}:acs-private/x`]) {
    assert.equal(await decision('authorize', erin, 'oss:GetObject', arn), 'ImplicitDeny', arn);
    assert.equal(await decision('authorize', `acs:ram::${ACS}:user/amy`, 'oss:GetObject', arn), 'Allow', `amy ${arn}`);
  }
  // The bucket is the acs account's whatever account its ARN spells: the aws account may not attach a policy to it.
  const grab = await put(s.admin, `acs:oss:cn-hangzhou:${AWS}:acs-private`, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: erin }, Action: 'oss:*', Resource: '*' }] });
  assert.ok(!grab.ok && grab.httpStatus === 403, JSON.stringify(grab));
  assert.match(grab.message, /belongs to account 123456789012/);
});
