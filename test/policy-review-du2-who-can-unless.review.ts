/**
 * Review du, 2: who-can weighed no Deny with a condition. A principal allowed without conditions, under a policy that
 * denies everything from outside the office (`Deny` with `NotIpAddress aws:SourceIp`, AWS's own example), was listed as
 * allowed always: asked from the office the Deny did not apply, and nothing said that from anywhere else it would. Now
 * each allowed principal carries `unless`, the conditions of the Denies that would take the grant away in another
 * context (asked again with every conditional Deny applying, `AuthorizeInput.deniesHold`, set by who-can alone), and
 * `gatehouse who-can` appends `unless …` to its row. Before the change the first and third tests failed (no `unless`;
 * nothing after the row), the second passed (the API refused the field already: questionOf).
 * Real server, SigV4-signed /v1/ calls and the CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const OBJECT = 'arn:aws:s3:::du2/k';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });
const read = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::du2/*' };
const outsideOffice = { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } };
const plainHttp = { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
const MET = { 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': 'true' };
const OTHER = '111122223333';
const OBJECT3 = 'arn:aws:s3:::du3/k';

interface Listed {
  readonly name: string;
  readonly conditional: boolean;
  readonly conditions: readonly string[];
  readonly unless: readonly string[];
}

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'plain', { inlinePolicies: { read: inline(read) } }),
      doc('User', 'guarded', { inlinePolicies: { read: inline(read, outsideOffice) } }),
      doc('User', 'both', { inlinePolicies: { read: inline({ ...read, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }, plainHttp, outsideOffice) } }),
      // Another account's grant from one VPC, and no plain HTTP for anyone (review du, 3). The account exists: a
      // resource policy may name only an account that does (review ey, 1).
      { apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: OTHER }, spec: { partition: 'aws' } },
      doc('ResourcePolicy', 'du3', {
        resource: 'arn:aws:s3:::du3',
        document: inline(
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::du3/*', Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } },
          { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::du3/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        ),
      }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  // The server refreshes its resource policies within a 250 ms tick of the apply.
  await new Promise((r) => setTimeout(r, 400));
});
after(() => s?.stop());

describe('review du2: who-can says which conditional Denies would take a grant away', () => {
  it('a grant a Deny with a condition would take away in another context names that condition in `unless`', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT, context: MET });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const by = new Map((r.json as { allowed: Listed[] }).allowed.map((p) => [p.name, p]));
    const shape = (n: string) => ({ conditional: by.get(n)?.conditional, conditions: by.get(n)?.conditions, unless: by.get(n)?.unless });
    assert.deepEqual(shape('plain'), { conditional: false, conditions: [], unless: [] });
    assert.deepEqual(shape('guarded'), { conditional: false, conditions: [], unless: ['NotIpAddress aws:SourceIp'] });
    assert.deepEqual(shape('both'), { conditional: true, conditions: ['IpAddress aws:SourceIp'], unless: ['NotIpAddress aws:SourceIp', 'Bool aws:SecureTransport'] });
    assert.deepEqual(shape('admin'), { conditional: false, conditions: [], unless: [] });
  });

  it('the authorize API takes no such what-if from a question, and decides as ever', async () => {
    const refused = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/guarded`, action: 's3:GetObject', resource: OBJECT, context: MET, deniesHold: true });
    assert.equal(refused.status, 400, JSON.stringify(refused.json));
    assert.match(JSON.stringify(refused.json), /unknown field `deniesHold`/);
    const asked = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/guarded`, action: 's3:GetObject', resource: OBJECT, context: MET });
    assert.equal((asked.json as { decision: string }).decision, 'Allow');
    const outside = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/guarded`, action: 's3:GetObject', resource: OBJECT, context: { 'aws:SourceIp': '192.0.2.1' } });
    assert.equal((outside.json as { decision: string }).decision, 'ExplicitDeny');
  });

  it('a resource policy\'s grant beyond the account says the same (review du, 3)', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT3, context: { ...MET, 'aws:SourceVpc': 'vpc-1' } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const grants = (r.json as { grantedByResourcePolicy: { principal: string; statement: number; conditional: boolean; conditions: string[]; unless: string[] }[] }).grantedByResourcePolicy;
    assert.deepEqual(grants, [{ principal: `arn:aws:iam::${OTHER}:root`, policy: 'resource policy of arn:aws:s3:::du3', statement: 0, conditional: true, conditions: ['StringEquals aws:SourceVpc'], unless: ['Bool aws:SecureTransport'] }]);
    const cli = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT3, '--context', 'aws:SourceVpc=vpc-1', '--context', 'aws:SecureTransport=true']);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, new RegExp(`^arn:aws:iam::${OTHER}:root +0 of the resource policy of arn:aws:s3:::du3 if StringEquals aws:SourceVpc unless Bool aws:SecureTransport$`, 'm'));
  });

  it('gatehouse who-can appends `unless …` to the row', async () => {
    const r = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT, '--context', 'aws:SourceIp=10.1.2.3', '--context', 'aws:SecureTransport=true']);
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /^user +guarded +iam identity `user\/guarded\/read` statement 0 unless NotIpAddress aws:SourceIp$/m);
    assert.match(r.out, /^user +both +iam identity `user\/both\/read` statement 0 if IpAddress aws:SourceIp unless NotIpAddress aws:SourceIp, Bool aws:SecureTransport$/m);
    assert.match(r.out, /^user +plain +iam identity `user\/plain\/read` statement 0$/m);
  });
});
