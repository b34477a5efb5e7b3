/**
 * Review dv, 1: who-can listed a principal allowed only by statements with a `Condition` block (an Allow on
 * `s3:GetObject` with `IpAddress aws:SourceIp`, met by the question's context) exactly as one allowed always, so an
 * auditor could not tell "always" from "only from 10.0.0.0/8"; and asked with no context, it left such a principal out
 * without a word, as if it could never act. Now each allowed principal says whether every grant that allowed it was
 * conditional (`conditional`) and on what (`conditions`: operator and key of each IAM condition, a binding's CEL
 * expression), read from the rules that matched (`matched[].conditions`), not from messages; and those whose only Allow
 * statements for the question did not hold for the context given are listed in `conditionallyExcluded`, with the
 * conditions that were not met. `gatehouse who-can` prints both. Before the change every test here failed (no
 * `conditional`, `conditions` or `conditionallyExcluded` field; the CLI printed no `if …`). Real server, SigV4-signed
 * /v1/ calls and the CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const OBJECT = 'arn:aws:s3:::dv1/k';
const MODEL = `arn:aws:training::${ROOT}:model/dv1`;
const UNTIL = 'request.time < timestamp("2100-01-01T00:00:00Z")';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });
const read = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::dv1/*' };
const fromOffice = { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } };
const TRUST = inline({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });
/** A context meeting every condition below. */
const MET = { 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': 'true', 'aws:SourceVpc': 'vpc-1' };

interface Listed {
  readonly kind: string;
  readonly name: string;
  readonly conditional: boolean;
  readonly conditions: readonly string[];
  readonly matched: readonly { readonly policy: string; readonly type: string; readonly conditions?: readonly string[] }[];
}
interface Answer {
  readonly allowed: readonly Listed[];
  readonly conditionallyExcluded: readonly { readonly kind: string; readonly name: string; readonly principal: string; readonly conditions: readonly string[] }[];
  readonly note: string;
}

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'always', { inlinePolicies: { read: inline(read) } }),
      doc('User', 'office', { inlinePolicies: { office: inline({ ...read, Condition: fromOffice }) } }),
      doc('User', 'both', { inlinePolicies: { office: inline({ ...read, Condition: fromOffice }), read: inline(read) } }),
      doc('User', 'twice', { inlinePolicies: { two: inline({ ...read, Condition: fromOffice }, { ...read, Condition: { Bool: { 'aws:SecureTransport': 'true' } } }) } }),
      doc('User', 'bounded', { inlinePolicies: { read: inline(read) }, permissionsBoundary: 'office-only' }),
      doc('User', 'denied', { inlinePolicies: { p: inline({ ...read, Condition: fromOffice }, { Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }) } }),
      doc('User', 'nobody', {}),
      doc('User', 'modeler', {}),
      doc('User', 'plain', {}),
      doc('Policy', 'office-only', { document: inline({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: fromOffice }) }),
      doc('Role', 'vpcrole', { trustPolicy: TRUST }),
      doc('ResourcePolicy', 'dv1', { resource: 'arn:aws:s3:::dv1', document: inline({ ...read, Principal: { AWS: `arn:aws:iam::${ROOT}:role/vpcrole` }, Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } }) }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const bound = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
    resource: MODEL,
    bindings: [
      { role: 'roles/ml.viewer', members: ['user:modeler'], condition: { title: 'until 2100', expression: UNTIL } },
      { role: 'roles/ml.viewer', members: ['user:plain'] },
    ],
  });
  assert.equal(bound.status, 200, JSON.stringify(bound.json));
  // The server refreshes its resource policies within a 250 ms tick of the apply.
  await new Promise((r) => setTimeout(r, 400));
});
after(() => s?.stop());

const whoCan = async (action: string, resource: string, context?: object): Promise<Answer> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action, resource, ...(context ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
};
const byName = (a: Answer) => new Map(a.allowed.map((p) => [p.name, p]));

describe('review dv1: who-can says which grants are conditional, and on what', () => {
  it('a principal allowed only under conditions says so and names them; one allowed by any unconditional grant does not', async () => {
    const a = byName(await whoCan('s3:GetObject', OBJECT, MET));
    assert.deepEqual([...a.keys()].sort(), ['admin', 'always', 'both', 'bounded', 'office', 'twice', 'vpcrole']);
    const shape = (n: string) => ({ conditional: a.get(n)?.conditional, conditions: a.get(n)?.conditions });
    assert.deepEqual(shape('admin'), { conditional: false, conditions: [] });
    assert.deepEqual(shape('always'), { conditional: false, conditions: [] });
    assert.deepEqual(shape('both'), { conditional: false, conditions: [] }, 'an unconditional statement allows it whatever the context');
    assert.deepEqual(shape('office'), { conditional: true, conditions: ['IpAddress aws:SourceIp'] });
    assert.deepEqual(shape('twice'), { conditional: true, conditions: ['IpAddress aws:SourceIp', 'Bool aws:SecureTransport'] });
    assert.deepEqual(shape('vpcrole'), { conditional: true, conditions: ['StringEquals aws:SourceVpc'] }, 'a bucket policy\'s conditional grant');
    assert.deepEqual(shape('bounded'), { conditional: true, conditions: ['IpAddress aws:SourceIp'] }, 'its permissions boundary allows only from the office');
    // The rule that matched carries its conditions: the answer is built from them.
    assert.deepEqual(a.get('office')?.matched.map((m) => m.conditions), [['IpAddress aws:SourceIp']]);
    assert.deepEqual(a.get('always')?.matched.map((m) => m.conditions), [undefined]);
  });

  it('a conditional binding names its CEL expression', async () => {
    const a = byName(await whoCan('training:GetModel', MODEL));
    assert.deepEqual({ conditional: a.get('modeler')?.conditional, conditions: a.get('modeler')?.conditions }, { conditional: true, conditions: [UNTIL] });
    assert.deepEqual({ conditional: a.get('plain')?.conditional, conditions: a.get('plain')?.conditions }, { conditional: false, conditions: [] });
  });

  it('asked with no context, those whose Allow statements did not hold are listed apart, with the conditions not met', async () => {
    const a = await whoCan('s3:GetObject', OBJECT);
    assert.deepEqual(a.allowed.map((p) => p.name), ['admin', 'always', 'both']);
    assert.deepEqual(
      a.conditionallyExcluded.map((p) => [p.kind, p.name, p.conditions]),
      [
        ['user', 'bounded', ['IpAddress aws:SourceIp']],
        ['user', 'office', ['IpAddress aws:SourceIp']],
        ['user', 'twice', ['IpAddress aws:SourceIp', 'Bool aws:SecureTransport']],
        ['role', 'vpcrole', ['StringEquals aws:SourceVpc']],
      ],
      'not `denied` (an explicit deny applies whatever its Allow), nor `nobody`',
    );
    assert.equal(a.conditionallyExcluded.find((p) => p.name === 'vpcrole')?.principal, `arn:aws:iam::${ROOT}:role/vpcrole`);
    assert.match(a.note, /conditionallyExcluded/);
    assert.deepEqual((await whoCan('s3:GetObject', OBJECT, MET)).conditionallyExcluded, [], 'every condition met: no one is left out');
  });

  it('the authorize API\'s own answers do not carry conditionsNotMet (who-can asks for it): a refusal stays as review L12 bounds it', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/office`, action: 's3:GetObject', resource: OBJECT });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const a = r.json as { decision: string; diagnostics: string[]; conditionsNotMet?: unknown };
    assert.equal(a.decision, 'ImplicitDeny');
    assert.ok(a.diagnostics.some((d) => /aws:SourceIp/.test(d)), JSON.stringify(a.diagnostics));
    assert.equal(a.conditionsNotMet, undefined);
  });

  it('gatehouse who-can prints `if …` after a conditional grant, and those left out by their conditions', async () => {
    const met = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT, '--context', 'aws:SourceIp=10.1.2.3']);
    assert.equal(met.status, 0, met.out + met.err);
    assert.match(met.out, /^user +office +iam identity `user\/office\/office` statement 0 if IpAddress aws:SourceIp$/m);
    assert.match(met.out, /^user +always +iam identity `user\/always\/read` statement 0$/m);
    const none = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(none.status, 0, none.out + none.err);
    assert.match(none.out, /not allowed in this context only because conditions of their Allow statements did not hold:/);
    assert.match(none.out, /^user +office +IpAddress aws:SourceIp$/m);
    assert.match(none.out, /^user +twice +IpAddress aws:SourceIp, Bool aws:SecureTransport$/m);
  });
});
