/**
 * Which paths let a principal gain more rights (`POST /v1/escalation-paths`, `gatehouse escalation-paths`) against
 * a real server: AssumeRole (identity side and trust policy, an explicit deny), CreateAccessKey on another user,
 * a rewritten trust policy, PassRole to a training job and to a cluster node, a chain of those, and the ways to
 * more rights at the end (a policy on itself, a new version of its managed policy, a permissions boundary that
 * stays, a group to join). A step it reports is checked against enforcement: the real STS client assumes the role.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });
const user = (n: string) => `arn:aws:iam::${ROOT}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${ROOT}:role/${n}`;
const trusts = (p: Record<string, unknown>) => inline({ Effect: 'Allow', Principal: p, Action: 'sts:AssumeRole' });

let server: TestServer;

interface Step {
  from: string;
  to: string;
  how: string;
  actions: string[];
  via?: string;
  reasons: string[];
}
interface Report {
  principal: string;
  kind: string;
  canBecome: { principal: string; kind: string; path: Step[] }[];
  canGain: { path: Step[]; gain: { by: string; principal: string; action: string; resource: string; gives: string } }[];
  anyRight: boolean;
}
interface Answer {
  reports: Report[];
  questions: number;
  note: string;
}

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      // intern → deployer (AssumeRole) → ops (CreateAccessKey) → any right (ops attaches a policy to itself).
      doc('User', 'intern', { inlinePolicies: { hop: inline(allow('sts:AssumeRole', role('deployer'))) } }),
      doc('Role', 'deployer', { trustPolicy: trusts({ AWS: `arn:aws:iam::${ROOT}:root` }), inlinePolicies: { keys: inline(allow('iam:CreateAccessKey', user('ops'))) } }),
      doc('User', 'ops', { inlinePolicies: { self: inline(allow('iam:AttachUserPolicy', user('ops'))) } }),
      // The same wish, denied explicitly.
      doc('User', 'denied', { inlinePolicies: { hop: inline(allow('sts:AssumeRole'), { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: role('deployer') }) } }),
      // A job's role: scientist may pass `big` to the training service in a workspace it belongs to.
      doc('User', 'scientist', { inlinePolicies: { jobs: inline(allow('training:CreateJob'), { Effect: 'Allow', Action: 'iam:PassRole', Resource: role('big'), Condition: { StringEquals: { 'iam:PassedToService': 'training.gatehouse.dev' } } }) } }),
      doc('Role', 'big', { trustPolicy: trusts({ Service: 'training.gatehouse.dev' }), inlinePolicies: { all: inline(allow('s3:*')) } }),
      doc('Workspace', 'lab', { members: [{ user: 'scientist' }] }),
      // A node's role: operator may start a node of c1 and pass its instance role to the compute service.
      doc('User', 'operator', { inlinePolicies: { nodes: inline(allow('training:StartClusterNode'), allow('iam:PassRole', role('node-role'))) } }),
      doc('Role', 'node-role', { trustPolicy: trusts({ Service: 'compute.gatehouse.dev' }) }),
      doc('Cluster', 'c1', { instanceRole: 'node-role' }),
      // A trust policy rewritten: `locked` trusts only the training service.
      doc('User', 'rewriter', { inlinePolicies: { trust: inline(allow('iam:UpdateAssumeRolePolicy', role('locked'))) } }),
      doc('Role', 'locked', { trustPolicy: trusts({ Service: 'training.gatehouse.dev' }) }),
      // Gains: a new version of its own managed policy; a policy within a boundary it cannot remove; a group.
      doc('Policy', 'pm-policy', { document: inline(allow('iam:CreatePolicyVersion', `arn:aws:iam::${ROOT}:policy/pm-policy`)) }),
      doc('User', 'pm', { policies: ['pm-policy'] }),
      doc('Policy', 'fence', { document: inline(allow(['s3:GetObject', 'iam:PutUserPolicy'])) }),
      doc('User', 'bounded', { inlinePolicies: { self: inline(allow('iam:PutUserPolicy', user('bounded'))) }, permissionsBoundary: 'fence' }),
      doc('User', 'joiner', { inlinePolicies: { join: inline(allow('iam:AddUserToGroup', `arn:aws:iam::${ROOT}:group/admins`)) } }),
      doc('Group', 'admins', { inlinePolicies: { all: inline(allow('*')) } }),
      doc('User', 'plain', {}),
      doc('User', 'auditor', { inlinePolicies: { look: inline(allow(['iam:GetAccountAuthorizationDetails', 'gatehouse:Authorize'])) } }),
      doc('User', 'reader', { inlinePolicies: { look: inline(allow('iam:GetAccountAuthorizationDetails')) } }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
});
after(async () => {
  await server?.stop();
});

async function keyOf(name: string): Promise<Credentials> {
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: name });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

async function pathsOf(principal: string, who: Credentials = server.admin): Promise<Report> {
  const r = await gatehouseJson(server.url, who, 'POST', '/v1/escalation-paths', { principal });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const a = r.json as unknown as Answer;
  assert.equal(a.reports.length, 1);
  return a.reports[0] as Report;
}

const chain = (p: Step[]): string[] => p.map((s) => `${s.how} → ${s.to.slice(s.to.lastIndexOf(':') + 1)}`);

describe('escalation paths', () => {
  it('follows AssumeRole, then CreateAccessKey, to a user that can give itself any right', async () => {
    const r = await pathsOf(user('intern'));
    assert.deepEqual(
      r.canBecome.map((b) => [b.principal, chain(b.path)]),
      [
        [role('deployer'), ['sts:AssumeRole → role/deployer']],
        [user('ops'), ['sts:AssumeRole → role/deployer', 'iam:CreateAccessKey → user/ops']],
      ],
    );
    assert.equal(r.anyRight, true);
    const gain = r.canGain.find((g) => g.gain.principal === user('ops'));
    assert.deepEqual(gain?.gain, { by: user('ops'), principal: user('ops'), action: 'iam:AttachUserPolicy', resource: user('ops'), gives: 'any', reasons: gain?.gain && (gain.gain as { reasons?: unknown }).reasons });
    assert.equal(gain?.path.length, 2);
    assert.match(r.canBecome[0]?.path[0]?.reasons[0] ?? '', /^iam: Allow/);
  });

  it('reports only what enforcement allows: the real STS client agrees on AssumeRole, and an explicit deny cuts the step', async () => {
    const sts = (c: Credentials) => new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: c, maxAttempts: 1 });
    const intern = sts(await keyOf('intern'));
    const denied = sts(await keyOf('denied'));
    try {
      const ok = await intern.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'check' }));
      assert.ok(ok.Credentials?.AccessKeyId);
      await assert.rejects(denied.send(new AssumeRoleCommand({ RoleArn: role('deployer'), RoleSessionName: 'check' })), /not authorized to perform: sts:AssumeRole/);
    } finally {
      intern.destroy();
      denied.destroy();
    }
    const r = await pathsOf(user('denied'));
    assert.equal(r.canBecome.some((b) => b.principal === role('deployer')), false);
  });

  it('finds PassRole to a training job and to a cluster node, and a trust policy that can be rewritten', async () => {
    const scientist = await pathsOf(user('scientist'));
    const big = scientist.canBecome.find((b) => b.principal === role('big'));
    assert.deepEqual(big?.path.map((s) => [s.how, s.actions, s.via]), [['iam:PassRole to a training job', ['iam:PassRole', 'training:CreateJob'], `arn:aws:training::${ROOT}:workspace/lab`]]);
    // Not a member of the workspace: operator may create jobs nowhere, but may start nodes.
    const operator = await pathsOf(user('operator'));
    assert.deepEqual(operator.canBecome.map((b) => [b.principal, b.path.map((s) => [s.how, s.via])]), [[role('node-role'), [['iam:PassRole to a cluster node', `arn:aws:training::${ROOT}:cluster/c1`]]]]);
    const rewriter = await pathsOf(user('rewriter'));
    assert.deepEqual(rewriter.canBecome.map((b) => [b.principal, b.path[0]?.how]), [[role('locked'), 'iam:UpdateAssumeRolePolicy']]);
  });

  it('tells the kinds of gain apart: a managed policy version, a boundary that stays, a group to join', async () => {
    const pm = await pathsOf(user('pm'));
    assert.deepEqual(pm.canGain.map((g) => [g.gain.action, g.gain.resource, g.gain.gives]), [['iam:CreatePolicyVersion', `arn:aws:iam::${ROOT}:policy/pm-policy`, 'any']]);
    assert.equal(pm.anyRight, true);
    const bounded = await pathsOf(user('bounded'));
    assert.deepEqual(bounded.canGain.map((g) => [g.gain.action, g.gain.gives]), [['iam:PutUserPolicy', 'any-within-boundary']]);
    assert.equal(bounded.anyRight, false, 'its boundary still cuts what it may write');
    const joiner = await pathsOf(user('joiner'));
    // Its own gain; once in admins (review sx, 2) it also becomes deployer, and so ops, whose gains follow it.
    assert.deepEqual(joiner.canGain.filter((g) => g.gain.principal === user('joiner')).map((g) => [g.gain.action, g.gain.resource, g.gain.gives]), [['iam:AddUserToGroup', `arn:aws:iam::${ROOT}:group/admins`, 'group']]);
    const plain = await pathsOf(user('plain'));
    assert.deepEqual([plain.canBecome, plain.canGain, plain.anyRight], [[], [], false]);
  });

  it('answers for every user and role at once; needs GetAccountAuthorizationDetails and gatehouse:Authorize; refuses bad input whole', async () => {
    const all = await gatehouseJson(server.url, await keyOf('auditor'), 'POST', '/v1/escalation-paths', {});
    assert.equal(all.status, 200, JSON.stringify(all.json));
    const a = all.json as unknown as Answer;
    const any = a.reports.filter((r) => r.anyRight).map((r) => r.principal.slice(r.principal.lastIndexOf(':') + 1));
    // joiner: AddUserToGroup admins, then AssumeRole deployer (review sx, 2) → ops → any right.
    assert.deepEqual(any.sort(), ['role/deployer', 'user/admin', 'user/intern', 'user/joiner', 'user/ops', 'user/pm'].sort());
    assert.ok(a.questions > a.reports.length);
    assert.match(a.note, /roles as a session with no session policy/);

    const refused = await gatehouseJson(server.url, await keyOf('reader'), 'POST', '/v1/escalation-paths', { principal: user('plain') });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.match(String((refused.json['error'] as { message: string }).message), /gatehouse:Authorize/);
    const plain = await gatehouseJson(server.url, await keyOf('plain'), 'POST', '/v1/escalation-paths', {});
    assert.equal(plain.status, 403);
    const missing = await gatehouseJson(server.url, server.admin, 'POST', '/v1/escalation-paths', { principal: user('nobody') });
    assert.equal(missing.status, 404, JSON.stringify(missing.json));
    assert.match(String((missing.json['error'] as { message: string }).message), /is not a user or role of account 000000000000/);
    const unknown = await gatehouseJson(server.url, server.admin, 'POST', '/v1/escalation-paths', { principals: [] });
    assert.equal(unknown.status, 400);
    const badContext = await gatehouseJson(server.url, server.admin, 'POST', '/v1/escalation-paths', { principal: user('plain'), context: { 'aws:SourceIp': { nested: true } } });
    assert.equal(badContext.status, 400, JSON.stringify(badContext.json));
  });

  it('speaks RAM in an Alibaba-style (acs) account', async () => {
    const ACS = '123456789012';
    const created = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: ACS, partition: 'acs' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const admin = { accessKeyId: String(created.json['AccessKeyId']), secretAccessKey: String(created.json['SecretAccessKey']) };
    const ram = (...Statement: Record<string, unknown>[]) => ({ Version: '1', Statement });
    const applied = await gatehouseJson(server.url, admin, 'POST', '/v1/apply', {
      documents: [
        doc('User', 'dev', { inlinePolicies: { hop: ram({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `acs:ram::${ACS}:role/ops` }) } }),
        doc('Role', 'ops', { trustPolicy: ram({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }), inlinePolicies: { self: ram({ Effect: 'Allow', Action: 'ram:PutRolePolicy', Resource: `acs:ram::${ACS}:role/ops` }) } }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const r = await gatehouseJson(server.url, admin, 'POST', '/v1/escalation-paths', { principal: `acs:ram::${ACS}:user/dev` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const report = (r.json as unknown as Answer).reports[0] as Report;
    assert.deepEqual(report.canBecome.map((b) => [b.principal, chain(b.path)]), [[`acs:ram::${ACS}:role/ops`, ['sts:AssumeRole → role/ops']]]);
    assert.deepEqual(report.canGain.map((g) => [g.gain.by, g.gain.action, g.gain.gives]), [[`acs:ram::${ACS}:role/ops`, 'ram:PutRolePolicy', 'any']]);
    assert.equal(report.anyRight, true);
  });

  it('gatehouse escalation-paths prints one principal’s paths, or a table of all', async () => {
    // In this process (test/support/gatehouse-cli.ts): what the command prints is the point, not the process.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: server.dataDir, GATEHOUSE_ENDPOINT: server.url, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey };
    const cli = (args: string[]) => gatehouseInProcess(['escalation-paths', ...args], env);
    const one = await cli(['--principal', user('intern')]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^user\/intern: can come to any right$/m);
    assert.match(one.stdout, /^ {4}user\/ops {2}→ role\/deployer \(sts:AssumeRole\) → user\/ops \(iam:CreateAccessKey\)$/m);
    assert.match(one.stdout, /^ {4}any right for user\/ops: iam:AttachUserPolicy on user\/ops \(as user\/ops: → role\/deployer \(sts:AssumeRole\) → user\/ops \(iam:CreateAccessKey\)\)$/m);
    const table = await cli([]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^PRINCIPAL +CAN ACT AS +WAYS TO MORE RIGHTS +ANY RIGHT$/m);
    assert.match(table.stdout, /^user\/scientist +role\/big +0 +no$/m);
    assert.match(table.stdout, /^user\/plain +- +0 +no$/m);
  });
});
