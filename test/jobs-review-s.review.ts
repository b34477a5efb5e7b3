/**
 * Review S (training jobs, PassRole, job credentials), each finding shown against a real server (startTestServer,
 * SQLite in a temporary dir) with real clients: the `gatehouse` CLI in process (cliAgainst), the admin REST client
 * the CLI uses (`call`, SigV4 service `gatehouse`), `@aws-sdk/client-iam` and `@aws-sdk/client-sts`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { cliAgainst, errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const ACCT = '000000000000';
const ROLE = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const WS = (name: string) => `arn:aws:training::${ACCT}:workspace/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
const keys: Record<string, Credentials> = {};

async function user(name: string, ...statements: object[]): Promise<Credentials> {
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  if (statements.length) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  return keys[name];
}

const conn = (c: Credentials) => connectionTo(s.url, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) });

before(async () => {
  s = await startTestServer();
  const trust = (service: string) => doc({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust('training.gatehouse.dev') }));
  // bob: may create workspaces named bob-*, and reads only his own bucket bob-scratch.
  await user(
    'bob',
    { Effect: 'Allow', Action: ['training:CreateJob', 'training:Get*', 'training:List*'], Resource: '*' },
    { Effect: 'Allow', Action: ['training:CreateWorkspace'], Resource: WS('bob-*') },
    { Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::bob-scratch', 'arn:aws:s3:::bob-scratch/*'] },
  );
});

interface SubmittedJson {
  readonly job: { readonly id: string; readonly role: { readonly mode: string; readonly arn?: string } };
  readonly capability: string;
}

/** Submits through POST /v1/jobs (what `jobs run` calls) as `who`; no process is launched. */
async function submit(who: Credentials, workspace: string, role: string) {
  return call<SubmittedJson>(conn(who), 'POST', ['jobs'], { body: { workspace, role, imds: false } });
}

/** The job's credentials from its container endpoint, as the SDKs fetch them. */
async function jobCredentials(capability: string): Promise<{ status: number; creds?: Credentials; body: string }> {
  const r = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: capability } });
  const body = await r.text();
  if (r.status !== 200) return { status: r.status, body };
  const j = JSON.parse(body) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  return { status: 200, creds: { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token }, body };
}

async function decision(who: Credentials, action: string, resource: string, context?: Record<string, string>): Promise<string> {
  const d = await call<{ decision: string }>(conn(who), 'POST', ['authorize'], { body: { action, resource, ...(context ? { context } : {}) } });
  assert.ok(d.ok, d.ok ? '' : d.message);
  return d.value.decision;
}

after(async () => {
  await s?.stop();
});

test('S1: a workspace default bucket is one bucket without wildcards, and only one the writer may read', async () => {
  // Wildcards and object paths: refused whoever writes (the root admin too), through the CLI and /v1.
  for (const bad of ['arn:aws:s3:::*', 'arn:aws:s3:::secret-*', 'arn:aws:s3:::secret-dat?', 'arn:aws:s3:::bob-scratch/*', 'acs:oss:*:*:*']) {
    const r = await cliAgainst(s, ['workspaces', 'put', 'bob-x', '--member', 'user:bob', '--default-bucket', bad]);
    assert.notEqual(r.status, 0, `${bad} was accepted: ${r.out}`);
    assert.match(r.err, /defaultBucket.*the ARN of one bucket, without wildcards/, r.err);
  }
  // bob may create bob-* workspaces but not read secret-data: he may not name it.
  const bob = keys['bob'] as Credentials;
  const refused = await cliAgainst(s, ['workspaces', 'put', 'bob-x', '--member', 'user:bob', '--default-bucket', 'arn:aws:s3:::secret-data'], bob);
  assert.notEqual(refused.status, 0, refused.out);
  assert.match(refused.err, /you may only name a bucket you can read.*s3:ListBucket on resource: arn:aws:s3:::secret-data/, refused.err);
  const api = await call(conn(bob), 'PUT', ['workspaces', 'bob-x'], { body: { members: [{ user: 'bob' }], defaultBucket: 'arn:aws:s3:::secret-data' } });
  assert.ok(!api.ok && api.httpStatus === 403, JSON.stringify(api));
  const gone = await call(conn(s.admin), 'GET', ['workspaces', 'bob-x']);
  assert.ok(!gone.ok, 'a refused put wrote the workspace');
  // His own bucket: accepted; and a change of members keeps it without asking again.
  const mine = await cliAgainst(s, ['workspaces', 'put', 'bob-x', '--member', 'user:bob', '--default-bucket', 'arn:aws:s3:::bob-scratch'], bob);
  assert.equal(mine.status, 0, mine.err);
  // The root admin may name any one bucket; bob may then not switch it to another he cannot read.
  const adminPut = await cliAgainst(s, ['workspaces', 'put', 'bob-y', '--member', 'user:bob', '--default-bucket', 'arn:aws:s3:::secret-data']);
  assert.equal(adminPut.status, 0, adminPut.err);
  const change = await call(conn(bob), 'PUT', ['workspaces', 'bob-x'], { body: { members: [{ user: 'bob' }], defaultBucket: 'arn:aws:s3:::other-data' } });
  assert.ok(!change.ok && change.httpStatus === 403, JSON.stringify(change));
  // The same through apply: a Workspace document naming a bucket bob cannot read is refused, and writes nothing.
  const workspace = (name: string, bucket: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name }, spec: { members: [{ user: 'bob' }], defaultBucket: bucket } });
  const applied = await call(conn(bob), 'POST', ['apply'], { body: { documents: [workspace('bob-z', 'arn:aws:s3:::secret-data')] } });
  assert.ok(!applied.ok && applied.httpStatus === 403, JSON.stringify(applied));
  assert.ok(!(await call(conn(s.admin), 'GET', ['workspaces', 'bob-z'])).ok, 'a refused apply wrote the workspace');
  const appliedOwn = await call(conn(bob), 'POST', ['apply'], { body: { documents: [workspace('bob-z', 'arn:aws:s3:::bob-scratch')] } });
  assert.ok(appliedOwn.ok, JSON.stringify(appliedOwn));
});

test('S5: the default training role passed by its ARN, in any spelling, runs as --role default, narrowed to the workspace bucket', async () => {
  // erin may pass any role to the training service: the common grant.
  const erin = await user(
    'erin',
    { Effect: 'Allow', Action: 'training:CreateJob', Resource: WS('erin-ws') },
    { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'training.gatehouse.dev' } } },
  );
  const put = await call(conn(s.admin), 'PUT', ['workspaces', 'erin-ws'], { body: { members: [{ user: 'erin' }], defaultBucket: 'arn:aws:s3:::erin-data' } });
  assert.ok(put.ok, put.ok ? '' : put.message);
  // The default role exists once a default job ran.
  const first = await submit(erin, 'erin-ws', 'default');
  assert.ok(first.ok, first.ok ? '' : first.message);
  const spellings = [ROLE('GatehouseTrainingDefaultRole'), ROLE('gatehousetrainingdefaultrole'), `arn:aws:iam::${ACCT}:role/some/path/GatehouseTrainingDefaultRole`, `acs:ram::${ACCT}:role/GatehouseTrainingDefaultRole`];
  for (const role of [...spellings, 'default']) {
    const r = await submit(erin, 'erin-ws', role);
    assert.ok(r.ok, `${role}: ${r.ok ? '' : r.message}`);
    assert.deepEqual(r.value.job.role, { mode: 'default', arn: ROLE('GatehouseTrainingDefaultRole') }, role);
    const c = await jobCredentials(r.value.capability);
    assert.equal(c.status, 200, c.body);
    const job = c.creds as Credentials;
    assert.equal(await decision(job, 's3:GetObject', 'arn:aws:s3:::erin-data/x'), 'Allow', role);
    assert.equal(await decision(job, 's3:GetObject', 'arn:aws:s3:::secret-data/payroll.txt'), 'ImplicitDeny', `${role}: the job reaches a bucket not its workspace's`);
    assert.ok((await call(conn(erin), 'POST', ['jobs', r.value.job.id, 'stop'])).ok);
  }
  assert.ok((await call(conn(erin), 'POST', ['jobs', first.value.job.id, 'stop'])).ok);
});

test('S7: the gatehouse: tag keys that identify jobs are reserved like aws:, in any case, in Tags and TransitiveTagKeys', async () => {
  // A role anyone of the account may assume with tags, scoped by the job's workspace tag.
  await s.iam().send(new I.CreateRoleCommand({
    RoleName: 'chain-target',
    AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }),
  }));
  await s.iam().send(new I.PutRolePolicyCommand({ RoleName: 'chain-target', PolicyName: 'scoped', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::${aws:PrincipalTag/gatehouse:workspace}-data/*' }) }));
  const mallory = await user('mallory', { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: ROLE('chain-target') });
  const sts = s.sts(mallory);
  const assume = (Tags: { Key: string; Value: string }[], TransitiveTagKeys?: string[]) =>
    sts.send(new AssumeRoleCommand({ RoleArn: ROLE('chain-target'), RoleSessionName: 'forge', Tags, ...(TransitiveTagKeys ? { TransitiveTagKeys } : {}) }));
  for (const key of ['gatehouse:workspace', 'gatehouse:job', 'Gatehouse:Workspace', 'GATEHOUSE:cluster', 'gatehouse:anything']) {
    try {
      await assume([{ Key: key, Value: 'vision' }]);
      assert.fail(`tag ${key} was accepted`);
    } catch (e) {
      const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      assert.equal(err.name, 'ValidationError', `${key}: ${String(err.message)}`);
      assert.equal(err.$metadata?.httpStatusCode, 400);
      assert.equal(err.message, `1 validation error detected: Value '${key}' at 'tags.1.member.key' failed to satisfy constraint: Member must not begin with 'gatehouse:', a prefix reserved for the tags Gatehouse sets on job and node sessions`);
    }
  }
  assert.equal(await errorName(assume([{ Key: 'team', Value: 'x' }, { Key: 'gatehouse:job', Value: 'forged' }], ['gatehouse:job'])), 'ValidationError');
  // Other tags still pass; the aws: prefix is still refused.
  assert.equal(await errorName(assume([{ Key: 'team', Value: 'vision' }], ['team'])), 'no error');
  assert.equal(await errorName(assume([{ Key: 'aws:workspace', Value: 'vision' }])), 'ValidationError');
});

test('S4: a binding’s actAs is cut by the caller’s permissions boundary and session policy, as the authorize API cuts it (jobs run, clusters run-node)', async () => {
  const iam = s.iam();
  const pass = { 'iam:PassedToService': 'training.gatehouse.dev' };
  const bind = async (roleName: string, member: string) => {
    const r = await call(conn(s.admin), 'PUT', ['iam-policies'], { body: { resource: ROLE(roleName), bindings: [{ role: 'roles/iam.serviceAccountUser', members: [member] }] } });
    assert.ok(r.ok, r.ok ? '' : r.message);
  };
  // frank: no iam:PassRole; a binding lets him act as trainer.
  const frank = await user('frank', { Effect: 'Allow', Action: 'training:CreateJob', Resource: WS('frank-ws') });
  assert.ok((await call(conn(s.admin), 'PUT', ['workspaces', 'frank-ws'], { body: { members: [{ user: 'frank' }] } })).ok);
  await bind('trainer', 'user:frank');
  const before = await submit(frank, 'frank-ws', ROLE('trainer'));
  assert.ok(before.ok, `without a boundary the binding passes the role: ${before.ok ? '' : before.message}`);
  assert.equal(await decision(frank, 'iam:PassRole', ROLE('trainer'), pass), 'Allow');
  // A permissions boundary without iam:PassRole: the authorize API says no, and so does the job path.
  const boundary = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'no-passrole', PolicyDocument: doc({ Effect: 'Allow', Action: ['training:*', 's3:*', 'sts:*'], Resource: '*' }) }));
  await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'frank', PermissionsBoundary: boundary.Policy?.Arn }));
  assert.equal(await decision(frank, 'iam:PassRole', ROLE('trainer'), pass), 'ImplicitDeny');
  const refused = await submit(frank, 'frank-ws', ROLE('trainer'));
  assert.ok(!refused.ok && refused.httpStatus === 403, JSON.stringify(refused));
  assert.match(refused.message, /check permission for ram role failed: .*user\/frank is not allowed to perform iam:PassRole on arn:aws:iam::000000000000:role\/trainer .*but the permissions boundary does not allow this request/);

  // Nodes: a node-starter session whose session policy leaves out iam:PassRole.
  const trust = (principal: object) => doc({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'cluster-node', AssumeRolePolicyDocument: trust({ Service: 'compute.gatehouse.dev' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'node-starter', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCT}:root` }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'node-starter', PolicyName: 'start', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:StartClusterNode', Resource: '*' }) }));
  await bind('cluster-node', `serviceAccount:node-starter@${ACCT}.iam.gatehouse.dev`);
  assert.ok((await call(conn(s.admin), 'PUT', ['clusters', 'gpu-a'], { body: { instanceRole: 'cluster-node' } })).ok);
  const gina = await user('gina', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE('node-starter') });
  const session = async (policy?: object): Promise<Credentials> => {
    const c = (await s.sts(gina).send(new AssumeRoleCommand({ RoleArn: ROLE('node-starter'), RoleSessionName: 'gina', ...(policy ? { Policy: JSON.stringify(policy) } : {}) }))).Credentials;
    return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  };
  const nodePass = { 'iam:PassedToService': 'compute.gatehouse.dev' };
  const full = await session();
  assert.equal(await decision(full, 'iam:PassRole', ROLE('cluster-node'), nodePass), 'Allow');
  const started = await call<SubmittedJson>(conn(full), 'POST', ['clusters', 'gpu-a', 'nodes'], { body: { imds: false } });
  assert.ok(started.ok, `without a session policy the binding passes the node role: ${started.ok ? '' : started.message}`);
  const narrow = await session({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:StartClusterNode', Resource: '*' }] });
  assert.equal(await decision(narrow, 'iam:PassRole', ROLE('cluster-node'), nodePass), 'ImplicitDeny');
  const node = await call(conn(narrow), 'POST', ['clusters', 'gpu-a', 'nodes'], { body: { imds: false } });
  assert.ok(!node.ok && node.httpStatus === 403, JSON.stringify(node));
  assert.match(node.message, /but the session policy does not allow this request/);
  for (const [who, id] of [[frank, before.value.job.id], [full, started.value.job.id]] as const) assert.ok((await call(conn(who), 'POST', ['jobs', id, 'stop'])).ok);
});

test('S8: disabling (or deleting) the submitter ends their running jobs: no credentials from the capability, sessions refused, the launcher told to stop', async () => {
  const grant = [
    { Effect: 'Allow', Action: 'training:CreateJob', Resource: WS('hank-ws') },
    { Effect: 'Allow', Action: 'iam:PassRole', Resource: ROLE('trainer'), Condition: { StringEquals: { 'iam:PassedToService': 'training.gatehouse.dev' } } },
  ];
  const hank = await user('hank', ...grant);
  const ivan = await user('ivan', ...grant);
  assert.ok((await call(conn(s.admin), 'PUT', ['workspaces', 'hank-ws'], { body: { members: [{ user: 'hank' }, { user: 'ivan' }], defaultBucket: 'arn:aws:s3:::hank-data' } })).ok);
  const run = async (who: Credentials, role: string) => {
    const r = await submit(who, 'hank-ws', role);
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value;
  };
  const polled = await run(hank, ROLE('trainer'));
  const quiet = await run(hank, 'default');
  const other = await run(ivan, ROLE('trainer'));
  const before = await jobCredentials(polled.capability);
  assert.equal(before.status, 200, before.body);
  const session = before.creds as Credentials;
  assert.equal(await errorName(s.sts(session).send(new GetCallerIdentityCommand({}))), 'no error');
  const heartbeat = async (capability: string) => {
    const r = await fetch(`${s.running.agentUrl}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: capability } });
    return { status: r.status, body: (await r.json()) as { stop?: boolean; state?: string } };
  };
  assert.deepEqual(await heartbeat(polled.capability), { status: 200, body: { stop: false, state: 'Running' } });

  const disabled = await cliAgainst(s, ['users', 'disable', 'hank']);
  assert.equal(disabled.status, 0, disabled.err);
  // The capability gets nothing more, as for an ended job; the session it was given no longer works.
  const after = await jobCredentials(polled.capability);
  assert.equal(after.status, 410, after.status === 200 ? 'credentials were served after the submitter was disabled' : after.body);
  assert.deepEqual(JSON.parse(after.body), { Code: 'JobEnded', Message: `job ${polled.job.id} has ended` });
  assert.equal(await errorName(s.sts(session).send(new GetCallerIdentityCommand({}))), 'ExpiredToken');
  assert.deepEqual((await heartbeat(polled.capability)).body, { stop: true, state: 'Stopped', reason: 'its submitter, user hank, was disabled' });
  const job = await call<{ state: string; reason?: string }>(conn(s.admin), 'GET', ['jobs', polled.job.id]);
  assert.ok(job.ok);
  assert.equal(job.value.state, 'Stopped');
  assert.equal(job.value.reason, 'its submitter, user hank, was disabled');
  // A job nobody polls ends too (the sweep); another user's job runs on.
  const until = Date.now() + 15_000;
  for (;;) {
    const q = await call<{ state: string; reason?: string }>(conn(s.admin), 'GET', ['jobs', quiet.job.id]);
    assert.ok(q.ok);
    if (q.value.state === 'Stopped') {
      assert.equal(q.value.reason, 'its submitter, user hank, was disabled');
      break;
    }
    assert.ok(Date.now() < until, `job ${quiet.job.id} is still ${q.value.state}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal((await jobCredentials(quiet.capability)).status, 410, 'credentials were served');
  assert.equal((await jobCredentials(other.capability)).status, 200);

  // Deleting the submitter ends their jobs the same way.
  const iam = s.iam();
  await iam.send(new I.DeleteUserPolicyCommand({ UserName: 'ivan', PolicyName: 'p' }));
  await iam.send(new I.DeleteAccessKeyCommand({ UserName: 'ivan', AccessKeyId: ivan.accessKeyId }));
  await iam.send(new I.DeleteUserCommand({ UserName: 'ivan' }));
  const gone = await jobCredentials(other.capability);
  assert.equal(gone.status, 410, gone.status === 200 ? 'credentials were served after the submitter was deleted' : gone.body);
  const o = await call<{ state: string; reason?: string }>(conn(s.admin), 'GET', ['jobs', other.job.id]);
  assert.ok(o.ok && o.value.state === 'Stopped' && o.value.reason === 'its submitter, user ivan, was deleted', JSON.stringify(o));
});

test('S9: reading clusters needs training:GetCluster/ListClusters, reading workspaces training:GetWorkspace/ListWorkspaces or membership', async () => {
  const jill = await user('jill', { Effect: 'Allow', Action: 'training:CreateJob', Resource: WS('jill-ws') });
  const kate = await user('kate', { Effect: 'Allow', Action: ['training:ListWorkspaces', 'training:ListClusters', 'training:GetCluster', 'training:GetWorkspace'], Resource: '*' });
  for (const [name, members] of [['jill-ws', [{ user: 'jill' }]], ['private-ws', [{ user: 'kate' }]]] as const) {
    assert.ok((await call(conn(s.admin), 'PUT', ['workspaces', name], { body: { members, defaultBucket: `arn:aws:s3:::${name}-data` } })).ok);
  }
  assert.ok((await call(conn(s.admin), 'PUT', ['clusters', 'gpu-b'], { body: { instanceRole: 'cluster-node', mappings: [{ user: 'kate', role: 'trainer' }] } })).ok);
  const names = async (who: Credentials, what: 'workspaces' | 'clusters') => {
    const r = await call<Record<string, { name: string }[]>>(conn(who), 'GET', [what]);
    assert.ok(r.ok, r.ok ? '' : r.message);
    return (r.value[what] ?? []).map((x) => x.name).sort();
  };
  // jill holds no training:Get*/List*: she sees her own workspace and no cluster.
  assert.deepEqual(await names(jill, 'workspaces'), ['jill-ws']);
  assert.deepEqual(await names(jill, 'clusters'), []);
  const own = await call<{ name: string }>(conn(jill), 'GET', ['workspaces', 'jill-ws']);
  assert.ok(own.ok && own.value.name === 'jill-ws', JSON.stringify(own));
  for (const path of [['workspaces', 'private-ws'], ['workspaces', 'no-such-ws'], ['clusters', 'gpu-b'], ['clusters', 'no-such-cluster']]) {
    const r = await call(conn(jill), 'GET', path);
    assert.ok(!r.ok && r.httpStatus === 403, `${path.join('/')}: ${JSON.stringify(r)}`);
    assert.doesNotMatch(r.message, /cluster-node|kate|private-ws-data/, 'a refusal tells nothing of the resource');
  }
  // Through the CLI too.
  const ws = await cliAgainst(s, ['workspaces', 'list'], jill);
  assert.equal(ws.status, 0, ws.err);
  assert.match(ws.out, /jill-ws/);
  assert.doesNotMatch(ws.out, /private-ws/);
  const cl = await cliAgainst(s, ['clusters', 'list'], jill);
  assert.equal(cl.status, 0, cl.err);
  assert.doesNotMatch(cl.out, /gpu-b|cluster-node/);
  // kate may list and get: everything; a cluster that does not exist is then NoSuchEntity.
  assert.ok((await names(kate, 'workspaces')).includes('jill-ws'));
  assert.ok((await names(kate, 'clusters')).includes('gpu-b'));
  const got = await call<{ instanceRole: string }>(conn(kate), 'GET', ['clusters', 'gpu-b']);
  assert.ok(got.ok && got.value.instanceRole === 'cluster-node', JSON.stringify(got));
  const missing = await call(conn(kate), 'GET', ['clusters', 'no-such-cluster']);
  assert.ok(!missing.ok && missing.httpStatus === 404, JSON.stringify(missing));
  // A default-role job session (no training:* right) reads neither.
  const job = await submit(jill, 'jill-ws', 'default');
  assert.ok(job.ok, job.ok ? '' : job.message);
  const c = await jobCredentials(job.value.capability);
  assert.equal(c.status, 200, 'no credentials');
  assert.deepEqual(await names(c.creds as Credentials, 'clusters'), []);
  assert.deepEqual(await names(c.creds as Credentials, 'workspaces'), []);
  assert.ok((await call(conn(jill), 'POST', ['jobs', job.value.job.id, 'stop'])).ok);
});

test('S1 (stored before the fix): a workspace whose stored default bucket is a wildcard runs no default-role job', async () => {
  const lena = await user('lena', { Effect: 'Allow', Action: 'training:CreateJob', Resource: WS('legacy-ws') });
  // Written as a workspace stored by an earlier version was, past today's validation.
  const app = await s.openApp();
  await app.deps.store.write((tx) => app.jobs.putWorkspace(tx, { account: ACCT, name: 'legacy-ws', members: [{ user: 'lena' }], defaultBucket: 'arn:aws:s3:::*' }));
  const r = await submit(lena, 'legacy-ws', 'default');
  assert.ok(!r.ok, `a default-role job ran in a workspace whose default bucket is arn:aws:s3:::*: ${r.ok ? JSON.stringify(r.value.job) : ''}`);
  assert.equal(r.httpStatus, 400);
  assert.match(r.message, /the default bucket `arn:aws:s3:::\*` of workspace legacy-ws is not the ARN of one bucket .* set it again with `gatehouse workspaces put legacy-ws --default-bucket/);
});
