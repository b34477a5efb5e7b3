/**
 * Review dv, 2: who-can listed the roles allowed, but not the users and roles that can come to act as them: a user
 * whose only way to an object is `sts:AssumeRole` on a role that may read it (or on a role that may assume that one)
 * was missing from the answer to "who can read it", the auditor's real question. Each allowed role now carries
 * `through`: every user and role of the account that can come to act as it, with the shortest path (steps as
 * `gatehouse escalation-paths` gives them, src/app/escalation.ts, whose search is reused, not copied), and
 * `gatehouse who-can` prints them after the table. A caller who may not read the account whole
 * (`iam:GetAccountAuthorizationDetails`, which escalation-paths needs) still gets the answer, without `through`, and the
 * note says why. Before the change every test here failed (no `through`, nothing printed). Real server, SigV4-signed
 * /v1/ calls and the CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const OBJECT = 'arn:aws:s3:::dv2/k';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });
const TRUST_ACCOUNT = inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' });
const assume = (role: string) => inline({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ROOT}:role/${role}` });
const arn = (kind: string, name: string) => `arn:aws:iam::${ROOT}:${kind}/${name}`;

interface Through {
  readonly principal: string;
  readonly kind: string;
  readonly name: string;
  readonly path: readonly { readonly from: string; readonly to: string; readonly how: string }[];
}
interface Answer {
  readonly allowed: readonly { readonly kind: string; readonly name: string; readonly through?: readonly Through[] }[];
  readonly note: string;
}

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Role', 'reader', { trustPolicy: TRUST_ACCOUNT, inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::dv2/*' }) } }),
      doc('Role', 'hop', { trustPolicy: TRUST_ACCOUNT, inlinePolicies: { on: assume('reader') } }),
      doc('User', 'alice', { inlinePolicies: { on: assume('reader') } }),
      doc('User', 'bob', { inlinePolicies: { on: assume('hop') } }),
      doc('User', 'carol', {}),
      doc('User', 'auditor', { inlinePolicies: { look: inline({ Effect: 'Allow', Action: ['iam:ListUsers', 'iam:ListRoles', 'gatehouse:Authorize'], Resource: '*' }) } }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
});
after(() => s?.stop());

const whoCan = async (who: Credentials = s.admin): Promise<Answer> => {
  const r = await gatehouseJson(s.url, who, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
};

describe('review dv2: who-can lists those who reach the resource through roles they can assume', () => {
  it('an allowed role lists every user and role that can come to act as it, directly or through another role', async () => {
    const a = await whoCan();
    assert.deepEqual(a.allowed.map((p) => `${p.kind} ${p.name}`), ['user admin', 'role reader']);
    const reader = a.allowed.find((p) => p.name === 'reader');
    const through = new Map((reader?.through ?? []).map((t) => [`${t.kind} ${t.name}`, t]));
    assert.deepEqual([...through.keys()].sort(), ['role hop', 'user admin', 'user alice', 'user bob'], 'not carol, who may assume nothing');
    assert.deepEqual(through.get('user alice')?.path.map((p) => [p.how, p.from, p.to]), [['sts:AssumeRole', arn('user', 'alice'), arn('role', 'reader')]]);
    assert.deepEqual(through.get('user bob')?.path.map((p) => [p.how, p.from, p.to]), [
      ['sts:AssumeRole', arn('user', 'bob'), arn('role', 'hop')],
      ['sts:AssumeRole', arn('role', 'hop'), arn('role', 'reader')],
    ]);
    assert.equal(through.get('user bob')?.principal, arn('user', 'bob'));
    assert.match(a.note, /through/);
  });

  it('gatehouse who-can prints them after the table', async () => {
    const cli = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /also through the roles and users they can come to act as:/);
    assert.match(cli.out, /^user +bob +role\/reader +user\/bob -\(sts:AssumeRole\)-> role\/hop -\(sts:AssumeRole\)-> role\/reader$/m);
    assert.match(cli.out, /^user +alice +role\/reader +user\/alice -\(sts:AssumeRole\)-> role\/reader$/m);
  });

  it('a caller who may not read the account whole gets the answer without `through`, and is told why', async () => {
    const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: 'auditor' });
    assert.equal(k.status, 201, JSON.stringify(k.json));
    const a = await whoCan({ accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) });
    assert.deepEqual(a.allowed.map((p) => `${p.kind} ${p.name}`), ['user admin', 'role reader']);
    assert.equal(a.allowed.find((p) => p.name === 'reader')?.through, undefined);
    assert.match(a.note, /iam:GetAccountAuthorizationDetails/);
  });
});
