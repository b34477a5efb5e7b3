/**
 * Who can reach a resource (`POST /v1/who-can`, `gatehouse who-can`) against a real server: identity policies,
 * a group's policy, an explicit deny, a permissions boundary, a same-account resource policy granting alone, a
 * role as a session of it, a condition the question's context meets or not; and who may ask.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const OBJECT = 'arn:aws:s3:::data/train/part-0';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const TRUST = inline({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });

let server: TestServer;

interface Answer {
  readonly allowed: { kind: string; name: string; principal: string; matched: { policy: string; type: string; effect: string }[] }[];
  readonly checked: number;
  readonly note: string;
}

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', { inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }) } }),
      doc('User', 'bob', { inlinePolicies: { all: inline({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }) } }),
      doc('User', 'carol', {}),
      doc('User', 'dave', { groups: ['readers'] }),
      doc('User', 'erin', { inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }, permissionsBoundary: 'boundary' }),
      doc('User', 'frank', { inlinePolicies: { office: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) } }),
      doc('User', 'auditor', { inlinePolicies: { look: inline({ Effect: 'Allow', Action: ['iam:ListUsers', 'iam:ListRoles', 'gatehouse:Authorize'], Resource: '*' }) } }),
      doc('User', 'lister', { inlinePolicies: { look: inline({ Effect: 'Allow', Action: ['iam:ListUsers', 'iam:ListRoles'], Resource: '*' }) } }),
      doc('Group', 'readers', { inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }) } }),
      doc('Policy', 'boundary', { document: inline({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }) }),
      doc('Role', 'trainer', { trustPolicy: TRUST, inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/train/*' }) } }),
      doc('Role', 'evaluator', { trustPolicy: TRUST, inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/eval/*' }) } }),
      doc('ResourcePolicy', 'data', { resource: 'arn:aws:s3:::data', document: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/carol` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }) }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  // The server refreshes its resource policies within a 250 ms tick of the apply.
  await new Promise((r) => setTimeout(r, 400));
});
after(async () => {
  await server?.stop();
});

async function keyOf(user: string): Promise<Credentials> {
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: user });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

const names = (a: Answer): string[] => a.allowed.map((x) => `${x.kind} ${x.name}`);

describe('who can reach a resource', () => {
  it('lists every user and role allowed, by whichever rule: identity, group, resource policy, role session', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const a = r.json as unknown as Answer;
    // Not bob (explicit deny), erin (her boundary), frank (no source IP in the question), evaluator (another prefix).
    assert.deepEqual(names(a), ['user admin', 'user alice', 'user carol', 'user dave', 'role trainer']);
    assert.equal(a.checked, 9 + 2, 'nine users (admin included), two roles');
    const carol = a.allowed.find((x) => x.name === 'carol');
    assert.deepEqual(carol?.matched.map((m) => [m.type, m.policy, m.effect]), [['resource', 'resource policy of arn:aws:s3:::data', 'Allow']], 'carol through the bucket policy alone');
    assert.equal(a.allowed.find((x) => x.name === 'trainer')?.principal, `arn:aws:iam::${ROOT}:role/trainer`);
    assert.match(a.note, /roles as a session with no session policy/);
  });

  it('takes the context of the question into account', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT, context: { 'aws:SourceIp': '10.1.2.3' } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.ok(names(r.json as unknown as Answer).includes('user frank'), 'from the office network, frank may');
  });

  it('needs the right to list and to ask about principals; a bad question is refused whole', async () => {
    const auditor = await keyOf('auditor');
    const ok = await gatehouseJson(server.url, auditor, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    const lister = await keyOf('lister');
    const refused = await gatehouseJson(server.url, lister, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.match(String((refused.json['error'] as { message: string }).message), /gatehouse:Authorize/);
    const bad = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 's3:Get*', resource: OBJECT });
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
    const named = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { principal: `arn:aws:iam::${ROOT}:user/alice`, action: 's3:GetObject', resource: OBJECT });
    assert.equal(named.status, 400);
  });

  it('gatehouse who-can prints the table and the count', async () => {
    // In this process (test/support/gatehouse-cli.ts): what the command prints is the point, not the process.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: server.dataDir, GATEHOUSE_ENDPOINT: server.url, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey };
    const out = await gatehouseInProcess(['who-can', '--action', 's3:GetObject', '--resource', OBJECT], env);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^KIND +NAME +ALLOWED BY$/m);
    assert.match(out.stdout, /^user +carol +iam resource `resource policy of arn:aws:s3:::data` statement 0$/m);
    assert.match(out.stdout, /^role +trainer +iam identity `role\/trainer\/read` statement 0$/m);
    assert.match(out.stdout, /^5 of 11 principal\(s\) may s3:GetObject on arn:aws:s3:::data\/train\/part-0 /m);
  });
});
