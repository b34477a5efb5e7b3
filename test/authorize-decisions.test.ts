/**
 * The authorize union answers as enforcement does (review F, docs/notes): each case sets a question to
 * `POST /v1/authorize` (or the CLI's `simulate` / `who-can`) beside the surface that enforces it — the S3 gateway,
 * STS, the SubjectAccessReview webhook — on a real server.
 *
 * - A cross-account binding is cut by a session's session policy only where that policy does not allow.
 * - `kubernetes:<verb>` on a cluster: IAM only denies, RBAC alone allows (as the webhook decides).
 * - `sts:AssumeRole` and the other trust actions on a role of the directory are decided with the role's trust policy.
 * - A role session named by ARN is decided with what that session carries, or not answered at all.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const B = '333344445555';
const V = '2012-10-17';
const WORKER = `arn:aws:iam::${ROOT}:role/worker`;
const doc = (kind: string, name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, ...extra }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });

let server: TestServer;
const keys: Record<string, Credentials> = {};
let bAdmin: Credentials;

interface Answer {
  decision: string;
  reasons: string[];
  diagnostics: string[];
}

async function keyOf(user: string, who: Credentials = server.admin): Promise<Credentials> {
  const k = await gatehouseJson(server.url, who, 'POST', '/v1/access-keys', { userName: user });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

async function ask(who: Credentials, body: Record<string, unknown>): Promise<Answer> {
  const r = await gatehouseJson(server.url, who, 'POST', '/v1/authorize', body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
}

async function assume(who: Credentials, roleArn: string, name: string, policy?: unknown): Promise<Credentials> {
  const sts = server.sts(who);
  const r = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: name, ...(policy !== undefined ? { Policy: JSON.stringify(policy) } : {}) }));
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

function s3(who: Credentials): S3.S3Client {
  return new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: who, maxAttempts: 1 });
}

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', { inlinePolicies: { assume: inline({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) } }),
      doc('Role', 'worker', {
        trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }),
        inlinePolicies: { all: inline({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) },
      }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  keys['alice'] = await keyOf('alice');
  // Account B owns bucket-c (made through the gateway) and binds its read role to the worker role of the root account.
  const acct = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws', name: 'partner' });
  assert.equal(acct.status, 201, JSON.stringify(acct.json));
  bAdmin = { accessKeyId: String(acct.json['AccessKeyId']), secretAccessKey: String(acct.json['SecretAccessKey']) };
  const client = s3(bAdmin);
  await client.send(new S3.CreateBucketCommand({ Bucket: 'bucket-c' }));
  await client.send(new S3.PutObjectCommand({ Bucket: 'bucket-c', Key: 'x.txt', Body: 'hi' }));
  client.destroy();
  const bound = await gatehouseJson(server.url, bAdmin, 'PUT', '/v1/iam-policies', {
    resource: 'arn:aws:s3:::bucket-c',
    bindings: [{ role: 'roles/storage.objectViewer', members: [`serviceAccount:worker@${ROOT}.iam.gatehouse.dev`] }],
  });
  assert.equal(bound.status, 200, JSON.stringify(bound.json));
  await server.running.app.refresh();
});

after(async () => {
  await server?.stop();
});

describe('a cross-account binding and the session policy', () => {
  test('a session policy that allows the action does not cut a cross-account binding; one that does not, does, and says so', async () => {
    const everything = await assume(keys['alice'] as Credentials, WORKER, 'all', inline({ Effect: 'Allow', Action: 's3:*', Resource: '*' }));
    const narrow = await assume(keys['alice'] as Credentials, WORKER, 'narrow', inline({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::bucket-a/*' }));
    const q = { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket-c/x.txt' };
    const wide = await ask(everything, q);
    assert.equal(wide.decision, 'Allow', JSON.stringify(wide));
    assert.ok(wide.reasons.some((r) => /^bindings: .*roles\/storage\.objectViewer/.test(r)), JSON.stringify(wide.reasons));
    // The gateway enforces the same.
    const c = s3(everything);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: 'bucket-c', Key: 'x.txt' }));
    assert.equal(await got.Body?.transformToString(), 'hi');
    c.destroy();
    const cut = await ask(narrow, q);
    assert.equal(cut.decision, 'ImplicitDeny', JSON.stringify(cut));
    assert.ok(cut.diagnostics.some((d) => /^bindings: no opinion: .*, but the session policy does not allow this request/.test(d)), JSON.stringify(cut.diagnostics));
  });
});

describe('kubernetes:<verb> on a cluster: IAM only denies, RBAC alone allows (as the SubjectAccessReview webhook)', () => {
  const CLUSTER = `arn:aws:training::${ROOT}:cluster/c1`;
  const SECRET = `${CLUSTER}/namespaces/team/secrets/db`;
  const POD = `${CLUSTER}/namespaces/team/pods/p1`;
  const user = (name: string) => `arn:aws:iam::${ROOT}:user/${name}`;

  before(async () => {
    const setup = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'c1', {}),
        doc('User', 'carol', { inlinePolicies: { all: inline({ Effect: 'Allow', Action: '*', Resource: '*' }) } }),
        doc('User', 'dave', {}),
        doc('User', 'erin', { inlinePolicies: { 'no-pods': inline({ Effect: 'Deny', Action: 'kubernetes:*', Resource: `${CLUSTER}/namespaces/team/pods/*` }) } }),
        doc('AccessEntry', 'dave', { cluster: 'c1', principalArn: user('dave'), kubernetesGroups: ['readers'] }),
        doc('AccessEntry', 'erin', { cluster: 'c1', principalArn: user('erin'), kubernetesGroups: ['readers'] }),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
    const rbac = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      cluster: 'c1',
      documents: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'readers', namespace: 'team' }, subjects: [{ kind: 'Group', name: 'readers', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' } },
      ],
    });
    assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
  });

  test('an IAM `Allow *` without an access entry reads no Secret; RBAC allows without IAM; an IAM deny wins', async () => {
    const carol = await ask(server.admin, { principal: user('carol'), action: 'kubernetes:get', resource: SECRET });
    assert.equal(carol.decision, 'ImplicitDeny', JSON.stringify(carol));
    assert.ok(carol.reasons.some((r) => /^iam: no opinion: on a cluster's resources IAM only denies/.test(r)), JSON.stringify(carol.reasons));
    assert.ok(carol.diagnostics.some((d) => d.includes('has no access entry in cluster c1')), JSON.stringify(carol.diagnostics));
    const admin = await ask(server.admin, { action: 'kubernetes:get', resource: SECRET });
    assert.equal(admin.decision, 'ImplicitDeny', JSON.stringify(admin));
    // RBAC alone allows: dave has no IAM policy at all.
    const dave = await ask(server.admin, { principal: user('dave'), action: 'kubernetes:get', resource: POD });
    assert.equal(dave.decision, 'Allow', JSON.stringify(dave));
    assert.ok(dave.reasons.some((r) => r.startsWith('rbac: allowed by RoleBinding `team/readers`')), JSON.stringify(dave.reasons));
    const erin = await ask(server.admin, { principal: user('erin'), action: 'kubernetes:get', resource: POD });
    assert.equal(erin.decision, 'ExplicitDeny', JSON.stringify(erin));
    // Anything but a cluster's resources is decided by IAM as before.
    assert.equal((await ask(server.admin, { principal: user('carol'), action: 's3:GetObject', resource: 'arn:aws:s3:::bucket-a/x' })).decision, 'Allow');
  });

  test('who-can lists those RBAC lets in, not every `Action: *` principal', async () => {
    const secret = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'kubernetes:get', resource: SECRET });
    assert.equal(secret.status, 200, JSON.stringify(secret.json));
    assert.deepEqual(secret.json['allowed'], [], JSON.stringify(secret.json));
    const pod = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'kubernetes:get', resource: POD });
    assert.equal(pod.status, 200, JSON.stringify(pod.json));
    assert.deepEqual((pod.json['allowed'] as { name: string }[]).map((a) => a.name), ['dave']);
  });
});

describe('sts:AssumeRole and the other trust actions on a role: decided with its trust policy, as STS', () => {
  const DIRECT = `arn:aws:iam::${ROOT}:role/direct`;
  const ACS = '222233334444';
  const RROLE = `acs:ram::${ACS}:role/rrole`;
  const ram = (name: string) => `acs:ram::${ACS}:user/${name}`;
  let acsAdmin: Credentials;

  before(async () => {
    const setup = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('User', 'bob', {}),
        doc('Role', 'direct', { trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/bob` }, Action: 'sts:AssumeRole' }) }),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
    keys['bob'] = await keyOf('bob');
    const acct = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: ACS, partition: 'acs', name: 'ram' });
    assert.equal(acct.status, 201, JSON.stringify(acct.json));
    acsAdmin = { accessKeyId: String(acct.json['AccessKeyId']), secretAccessKey: String(acct.json['SecretAccessKey']) };
    const grant = { p: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } };
    const ramSetup = await gatehouseJson(server.url, acsAdmin, 'POST', '/v1/apply', {
      documents: [
        doc('User', 'ruser', { inlinePolicies: grant }),
        doc('User', 'rother', { inlinePolicies: grant }),
        doc('User', 'rbare', {}),
        doc('Role', 'rrole', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [ram('ruser'), ram('rbare')] } }] } }),
      ],
    });
    assert.equal(ramSetup.status, 200, JSON.stringify(ramSetup.json));
  });

  test('the principal the trust policy names may, with no identity policy; one it does not name may not, whatever its own policies allow', async () => {
    const bob = await ask(server.admin, { principal: `arn:aws:iam::${ROOT}:user/bob`, action: 'sts:AssumeRole', resource: DIRECT });
    assert.equal(bob.decision, 'Allow', JSON.stringify(bob));
    assert.ok(bob.reasons.some((r) => r.includes('allowed by the role trust policy, which names the caller')), JSON.stringify(bob.reasons));
    await assume(keys['bob'] as Credentials, DIRECT, 't1');
    // alice's identity policy allows sts:AssumeRole on `*`: the trust policy does not name her.
    const alice = await ask(keys['alice'] as Credentials, { action: 'sts:AssumeRole', resource: DIRECT });
    assert.equal(alice.decision, 'ImplicitDeny', JSON.stringify(alice));
    assert.ok(alice.reasons.some((r) => r.includes('the role trust policy does not allow this principal')), JSON.stringify(alice.reasons));
    await assert.rejects(assume(keys['alice'] as Credentials, DIRECT, 't1'), /not authorized to perform: sts:AssumeRole/);
    // The same through /v1/simulate, and for tagging the session (the trust policy allows only sts:AssumeRole).
    const sim = await gatehouseJson(server.url, server.admin, 'POST', '/v1/simulate', { principal: `arn:aws:iam::${ROOT}:user/alice`, action: 'sts:AssumeRole', resource: DIRECT });
    assert.equal(sim.json['decision'], 'ImplicitDeny', JSON.stringify(sim.json));
    const tag = await ask(server.admin, { principal: `arn:aws:iam::${ROOT}:user/bob`, action: 'sts:TagSession', resource: DIRECT });
    assert.equal(tag.decision, 'ImplicitDeny', JSON.stringify(tag));
    // A role the directory does not hold is refused, as STS refuses it.
    const none = await ask(keys['alice'] as Credentials, { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ROOT}:role/nosuch` });
    assert.equal(none.decision, 'ImplicitDeny', JSON.stringify(none));
    // who-can names bob alone.
    const who = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'sts:AssumeRole', resource: DIRECT });
    assert.equal(who.status, 200, JSON.stringify(who.json));
    assert.deepEqual((who.json['allowed'] as { name: string }[]).map((a) => a.name), ['bob']);
  });

  test('RAM needs both the trust policy and the caller’s own grant', async () => {
    const q = (name: string) => ask(server.admin, { principal: ram(name), action: 'sts:AssumeRole', resource: RROLE });
    assert.equal((await q('ruser')).decision, 'Allow');
    const other = await q('rother');
    assert.equal(other.decision, 'ImplicitDeny', JSON.stringify(other));
    assert.ok(other.reasons.some((r) => r.includes('the role trust policy does not allow this principal')), JSON.stringify(other.reasons));
    const bare = await q('rbare');
    assert.equal(bare.decision, 'ImplicitDeny', JSON.stringify(bare));
    assert.ok(bare.reasons.some((r) => r.includes('RAM needs both')), JSON.stringify(bare.reasons));
  });
});

describe('a role session named by its ARN is decided with what that session carries, or not answered', () => {
  const ask400 = async (who: Credentials, body: Record<string, unknown>, path = '/v1/authorize'): Promise<string> => {
    const r = await gatehouseJson(server.url, who, 'POST', path, body);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    return String((r.json['error'] as { message?: unknown } | undefined)?.message);
  };
  const other = { action: 's3:GetObject', resource: 'arn:aws:s3:::w2-data/x' };

  let job: Credentials;
  let jobArn = '';
  let jobId = '';

  before(async () => {
    const client = s3(server.admin);
    for (const Bucket of ['w1-data', 'w2-data']) await client.send(new S3.CreateBucketCommand({ Bucket }));
    client.destroy();
    for (const w of ['w1', 'w2']) {
      const ws = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/workspaces/${w}`, { members: [{ user: 'admin' }], defaultBucket: `arn:aws:s3:::${w}-data` });
      assert.ok(ws.status < 300, JSON.stringify(ws.json));
    }
    const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w1', role: 'default' });
    assert.ok(submitted.status < 300, JSON.stringify(submitted.json));
    jobId = String((submitted.json['job'] as { id?: unknown } | undefined)?.id ?? submitted.json['id']);
    const env = submitted.json['environment'] as Record<string, string>;
    const creds = (await (await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: submitted.json['capability'] as string } })).json()) as Record<string, string>;
    job = { accessKeyId: creds['AccessKeyId'] ?? '', secretAccessKey: creds['SecretAccessKey'] ?? '', sessionToken: creds['Token'] ?? '' };
    jobArn = String((await server.sts(job).send(new GetCallerIdentityCommand({}))).Arn);
    assert.match(jobArn, new RegExp(`^arn:aws:sts::${ROOT}:assumed-role/GatehouseTrainingDefaultRole/job-${jobId}$`));
  });

  test('a session with a session policy, asked about by ARN (a resource server after GetCallerIdentity): refused, not answered with the role’s rights', async () => {
    const session = await assume(keys['alice'] as Credentials, WORKER, 's1', inline({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::w1-data/*' }));
    const arn = String((await server.sts(session).send(new GetCallerIdentityCommand({}))).Arn);
    assert.equal(arn, `arn:aws:sts::${ROOT}:assumed-role/worker/s1`);
    // What enforcement does: the gateway refuses the session, and the session asking for itself is refused.
    const c = s3(session);
    await assert.rejects(c.send(new S3.GetObjectCommand({ Bucket: 'w2-data', Key: 'x' })), (e: { name?: string }) => e.name === 'AccessDenied');
    c.destroy();
    assert.equal((await ask(session, other)).decision, 'ImplicitDeny');
    // Named by ARN, through authorize and simulate: not answered (the role alone would allow).
    const message = await ask400(server.admin, { principal: arn, ...other });
    assert.match(message, /names a session of a role, and a session's own session policies .* cannot be known from its ARN/);
    assert.match(message, /name the role `arn:aws:iam::000000000000:role\/worker`/);
    await ask400(server.admin, { principal: arn, ...other }, '/v1/simulate');
    const batch = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', { requests: [{ principal: arn, ...other }] });
    assert.equal(batch.status, 200, JSON.stringify(batch.json));
    assert.equal((batch.json['results'] as { error?: { code: string } }[] | undefined)?.[0]?.error?.code ?? JSON.stringify(batch.json), 'VALIDATION_ERROR');
    // The role's rights are asked about by the role's ARN.
    assert.equal((await ask(server.admin, { principal: WORKER, ...other })).decision, 'Allow');
  });

  test('a job’s session is decided with its job’s session policy and tags, as the gateway enforces it', async () => {
    const named = await ask(server.admin, { principal: jobArn, ...other });
    assert.equal(named.decision, 'ImplicitDeny', JSON.stringify(named));
    assert.ok(named.reasons.some((r) => /session policy/.test(r)), JSON.stringify(named.reasons));
    assert.equal((await ask(job, other)).decision, 'ImplicitDeny');
    const c = s3(job);
    await assert.rejects(c.send(new S3.GetObjectCommand({ Bucket: 'w2-data', Key: 'x' })), (e: { name?: string }) => e.name === 'AccessDenied');
    c.destroy();
    // Within its workspace's bucket: allowed, by ARN as by itself.
    const own = { action: 's3:GetObject', resource: 'arn:aws:s3:::w1-data/x' };
    assert.equal((await ask(server.admin, { principal: jobArn, ...own })).decision, 'Allow');
    assert.equal((await ask(job, own)).decision, 'Allow');
    // The job's session tags are the job's: a deny on the role conditioned on the session's workspace tag applies.
    await server.iam().send(new I.PutRolePolicyCommand({
      RoleName: 'GatehouseTrainingDefaultRole',
      PolicyName: 'no-secrets-in-w1',
      PolicyDocument: JSON.stringify(inline({ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::w1-data/secret/*', Condition: { StringEquals: { 'aws:PrincipalTag/gatehouse:workspace': 'w1' } } })),
    }));
    await server.running.app.refresh();
    const secret = { action: 's3:GetObject', resource: 'arn:aws:s3:::w1-data/secret/k' };
    const tagged = await gatehouseJson(server.url, server.admin, 'POST', '/v1/simulate', { principal: jobArn, ...secret });
    assert.equal(tagged.json['decision'], 'ExplicitDeny', JSON.stringify(tagged.json));
    assert.equal((await ask(job, secret)).decision, 'ExplicitDeny');
    // A job-named session of another role, or of no job, is not answered.
    assert.match(await ask400(server.admin, { principal: `arn:aws:sts::${ROOT}:assumed-role/worker/job-${jobId}`, ...other }), /no job of account 000000000000 runs with role worker/);
    assert.match(await ask400(server.admin, { principal: `arn:aws:sts::${ROOT}:assumed-role/GatehouseTrainingDefaultRole/job-nosuchjob`, ...other }), /no job of account/);
  });

  test('a job’s session after its job ended: not answered', async () => {
    const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${jobId}/stop`);
    assert.ok(stopped.status < 300, JSON.stringify(stopped.json));
    await new Promise((r) => setTimeout(r, 1100));
    assert.match(await ask400(server.admin, { principal: jobArn, action: 's3:GetObject', resource: 'arn:aws:s3:::w1-data/x' }), new RegExp(`job ${jobId} has ended`));
  });
});
