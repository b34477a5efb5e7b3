/**
 * Review T, finding T5: `gatehouse escalation-paths` must report `iam:SetDefaultPolicyVersion` on a managed policy
 * attached to the principal when another version allows more than the default (AWS's and Rhino Security's lists
 * of escalations), and a boundary policy that can be rewritten (`CreatePolicyVersion`) or set to a wider version;
 * and `Attach…Policy` and the boundary actions asked with `iam:PolicyARN` and `iam:PermissionsBoundary`, as enforcement
 * decides them.
 * Each report is checked against enforcement: the principal really makes the version the default through the IAM
 * API, then does what it could not do before. Versions that allow nothing more are no path.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
} from '@aws-sdk/client-iam';
import { cliAgainst, errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const doc = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const policy = (n: string) => `arn:aws:iam::${A}:policy/${n}`;

interface Gain {
  by: string;
  principal: string;
  action: string;
  resource: string;
  gives: string;
  policy?: string;
  versions?: string[];
  reasons: string[];
}
interface Report {
  principal: string;
  canGain: { path: unknown[]; gain: Gain }[];
  anyRight: boolean;
}

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

/** A customer-managed policy whose versions are `docs` in order (v1, v2…), the last one the default. */
async function policyWithVersions(name: string, docs: string[]): Promise<void> {
  const iam = server.iam();
  await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: docs[0] }));
  for (const d of docs.slice(1)) await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy(name), PolicyDocument: d, SetAsDefault: true }));
}

async function userWith(name: string, opts: { policies?: string[]; inline?: string; boundary?: string } = {}): Promise<Credentials> {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  for (const p of opts.policies ?? []) await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: policy(p) }));
  if (opts.inline) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'own', PolicyDocument: opts.inline }));
  if (opts.boundary) await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: name, PermissionsBoundary: policy(opts.boundary) }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: String(k.AccessKey?.AccessKeyId), secretAccessKey: String(k.AccessKey?.SecretAccessKey) };
}

async function reportOf(principal: string): Promise<Report> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/escalation-paths', { principal });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const reports = (r.json as unknown as { reports: Report[] }).reports;
  assert.equal(reports.length, 1);
  return reports[0] as Report;
}

const gains = (r: Report) => r.canGain.map((g) => [g.gain.action, g.gain.resource, g.gain.gives, g.gain.versions]);

describe('escalation paths: SetDefaultPolicyVersion, the boundary policy, iam:PolicyARN and iam:PermissionsBoundary (review T, T5)', () => {
  it('vic may make devpol v1 (Allow *) the default: a path to any right, and enforcement agrees', async () => {
    // v1: Allow *; v2 (default): s3:Get* and SetDefaultPolicyVersion on devpol itself.
    await policyWithVersions('devpol', [doc(allow('*')), doc(allow('s3:Get*'), allow('iam:SetDefaultPolicyVersion', policy('devpol')))]);
    const vic = await userWith('vic', { policies: ['devpol'] });

    const cli = await cliAgainst(server, ['escalation-paths', '--principal', user('vic')]);
    assert.equal(cli.status, 0, cli.err);
    assert.doesNotMatch(cli.out, /no way to more rights found/);
    assert.match(cli.out, /can come to any right/);
    assert.match(cli.out, /any right for user\/vic: iam:SetDefaultPolicyVersion on policy\/devpol/);

    const r = await reportOf(user('vic'));
    assert.deepEqual(gains(r), [['iam:SetDefaultPolicyVersion', policy('devpol'), 'any', ['v1']]]);
    assert.equal(r.anyRight, true);
    assert.match(r.canGain[0]?.gain.reasons.at(-1) ?? '', /^policy devpol: version v1 allows every action on every resource \(default v2\)$/);

    const iam = server.iam(vic);
    try {
      assert.equal(await errorName(iam.send(new CreateUserCommand({ UserName: 'vx' }))), 'AccessDenied');
      await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: policy('devpol'), VersionId: 'v1' }));
      const made = await iam.send(new CreateUserCommand({ UserName: 'vx' }));
      assert.equal(made.User?.UserName, 'vx');
    } finally {
      iam.destroy();
    }
  });

  it('a wider version that does not allow everything gives that version’s rights; versions that allow nothing more are no path', async () => {
    const set = (n: string) => allow('iam:SetDefaultPolicyVersion', policy(n));
    // v1 adds s3:PutObject: the rights of v1, not any right.
    await policyWithVersions('putpol', [doc(allow(['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::data/*')), doc(allow('s3:GetObject', 'arn:aws:s3:::data/*'), set('putpol'))]);
    await userWith('pat', { policies: ['putpol'] });
    const pat = await reportOf(user('pat'));
    assert.deepEqual(gains(pat), [['iam:SetDefaultPolicyVersion', policy('putpol'), 'policy', ['v1']]]);
    assert.equal(pat.anyRight, false);
    // The CLI names the policy and its wider version.
    const patCli = await cliAgainst(server, ['escalation-paths', '--principal', user('pat')]);
    assert.equal(patCli.status, 0, patCli.err);
    assert.match(patCli.out, /the rights of policy\/putpol \(version v1\) for user\/pat: iam:SetDefaultPolicyVersion on policy\/putpol/);
    assert.doesNotMatch(patCli.out, /undefined/);

    // v1 narrower (one object under a pattern the default covers), v2 the same as v3 save Sid: nothing more.
    await policyWithVersions('narrowpol', [
      doc(allow('s3:GetObject', 'arn:aws:s3:::data/logs/a.txt')),
      doc({ Sid: 'Same', ...allow('s3:Get*', 'arn:aws:s3:::data/*') }, set('narrowpol')),
      doc(allow('s3:Get*', 'arn:aws:s3:::data/*'), set('narrowpol')),
    ]);
    await userWith('nora', { policies: ['narrowpol'] });
    const nora = await reportOf(user('nora'));
    assert.deepEqual([nora.canGain, nora.anyRight], [[], false]);

    // v1 lacks the default's Deny: more, though its Allows are the same.
    await policyWithVersions('denypol', [doc(allow('s3:*')), doc(allow('s3:*'), set('denypol'), { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' })]);
    await userWith('dan', { policies: ['denypol'] });
    assert.deepEqual(gains(await reportOf(user('dan'))), [['iam:SetDefaultPolicyVersion', policy('denypol'), 'policy', ['v1']]]);
  });

  it('a boundary policy set to a wider version, or rewritten, frees the principal’s own policies, and enforcement agrees', async () => {
    // The boundary: v1 Allow *, v2 (default) s3:Get* and SetDefaultPolicyVersion on itself.
    await policyWithVersions('fence', [doc(allow('*')), doc(allow('s3:Get*'), allow('iam:SetDefaultPolicyVersion', policy('fence')))]);
    const bea = await userWith('bea', { inline: doc(allow(['iam:CreateUser', 'iam:SetDefaultPolicyVersion'])), boundary: 'fence' });
    const r = await reportOf(user('bea'));
    assert.deepEqual(gains(r), [['iam:SetDefaultPolicyVersion', policy('fence'), 'own-policies', ['v1']]]);

    const iam = server.iam(bea);
    try {
      assert.equal(await errorName(iam.send(new CreateUserCommand({ UserName: 'bx' }))), 'AccessDenied');
      await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: policy('fence'), VersionId: 'v1' }));
      assert.equal((await iam.send(new CreateUserCommand({ UserName: 'bx' }))).User?.UserName, 'bx');
    } finally {
      iam.destroy();
    }

    // CreatePolicyVersion on the boundary policy: its own policies in full, so a policy it may write gives any right.
    await policyWithVersions('fence2', [doc(allow(['s3:Get*', 'iam:CreatePolicyVersion', 'iam:PutUserPolicy']))]);
    await userWith('cal', { inline: doc(allow(['iam:CreatePolicyVersion', 'iam:PutUserPolicy'])), boundary: 'fence2' });
    const cal = await reportOf(user('cal'));
    assert.deepEqual(gains(cal).map((g) => g.slice(0, 3)), [
      ['iam:CreatePolicyVersion', policy('fence2'), 'own-policies'],
      ['iam:PutUserPolicy', user('cal'), 'any'],
    ]);
    assert.equal(cal.anyRight, true);
  });

  it('AttachUserPolicy allowed only for some policies (iam:PolicyARN) is asked with each policy, as enforcement decides it', async () => {
    const attachOnly = (arn: string) => doc({ Effect: 'Allow', Action: ['iam:AttachUserPolicy', 'iam:CreateUser'], Resource: user('ada'), Condition: { ArnEquals: { 'iam:PolicyARN': arn } } });
    const ada = await userWith('ada', { inline: attachOnly('arn:aws:iam::aws:policy/AdministratorAccess') });
    const r = await reportOf(user('ada'));
    assert.deepEqual(
      r.canGain.map((g) => [g.gain.action, g.gain.resource, g.gain.gives, g.gain.policy]),
      [['iam:AttachUserPolicy', user('ada'), 'any', 'arn:aws:iam::aws:policy/AdministratorAccess']],
    );
    assert.equal(r.anyRight, true);
    const iam = server.iam(ada);
    try {
      assert.equal(await errorName(iam.send(new CreateUserCommand({ UserName: 'ax' }))), 'AccessDenied');
      assert.equal(await errorName(iam.send(new AttachUserPolicyCommand({ UserName: 'ada', PolicyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' }))), 'AccessDenied');
      await iam.send(new AttachUserPolicyCommand({ UserName: 'ada', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
      assert.equal((await iam.send(new CreateUserCommand({ UserName: 'ax' }))).User?.UserName, 'ax');
    } finally {
      iam.destroy();
    }

    // A policy of the account that does not allow everything: its rights.
    await policyWithVersions('readpol', [doc(allow('s3:GetObject', 'arn:aws:s3:::data/*'))]);
    await userWith('rue', { inline: attachOnly(policy('readpol')).replaceAll(user('ada'), user('rue')) });
    assert.deepEqual(
      (await reportOf(user('rue'))).canGain.map((g) => [g.gain.action, g.gain.gives, g.gain.policy]),
      [['iam:AttachUserPolicy', 'policy', policy('readpol')]],
    );
  });

  it('asks with iam:PermissionsBoundary as enforcement names it: the current boundary, and each wider one that may be put', async () => {
    // AWS's delegated-administration pattern, on itself: writes allowed only while xbound stays its boundary; the
    // boundary may be replaced only by wideb (Allow *) or narrowb (no wider than xbound).
    const ARN = (n: string) => policy(n);
    await policyWithVersions('xbound', [doc(allow(['s3:*', 'iam:PutUserPolicy', 'iam:PutUserPermissionsBoundary']))]);
    await policyWithVersions('wideb', [doc(allow('*'))]);
    await policyWithVersions('narrowb', [doc(allow('s3:GetObject', 'arn:aws:s3:::data/*'))]);
    const mine = doc(
      { Effect: 'Allow', Action: 'iam:PutUserPolicy', Resource: user('shir'), Condition: { StringEquals: { 'iam:PermissionsBoundary': ARN('xbound') } } },
      { Effect: 'Allow', Action: 'iam:PutUserPermissionsBoundary', Resource: user('shir'), Condition: { ArnEquals: { 'iam:PermissionsBoundary': [ARN('wideb'), ARN('narrowb')] } } },
    );
    const shir = await userWith('shir', { inline: mine, boundary: 'xbound' });
    const r = await reportOf(user('shir'));
    assert.deepEqual(
      r.canGain.map((g) => [g.gain.action, g.gain.gives, g.gain.policy]),
      [
        ['iam:PutUserPermissionsBoundary', 'own-policies', ARN('wideb')],
        ['iam:PutUserPolicy', 'any', undefined],
      ],
    );
    assert.equal(r.anyRight, true);
    // Enforcement agrees, in that order: a policy of its own while xbound stays (still cut by it), then wideb.
    const iam = server.iam(shir);
    try {
      assert.equal(await errorName(iam.send(new CreateUserCommand({ UserName: 'sx' }))), 'AccessDenied');
      assert.equal(await errorName(iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'shir', PermissionsBoundary: ARN('xbound') }))), 'AccessDenied');
      await iam.send(new PutUserPolicyCommand({ UserName: 'shir', PolicyName: 'all', PolicyDocument: doc(allow('*')) }));
      assert.equal(await errorName(iam.send(new CreateUserCommand({ UserName: 'sx' }))), 'AccessDenied');
      await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'shir', PermissionsBoundary: ARN('wideb') }));
      assert.equal((await iam.send(new CreateUserCommand({ UserName: 'sx' }))).User?.UserName, 'sx');
    } finally {
      iam.destroy();
    }
  });
});
