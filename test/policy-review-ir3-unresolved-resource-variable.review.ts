/**
 * Policy review ir, finding 3: a statement whose `Resource` (or `NotResource`) reads a policy variable the request has
 * no value for was decided without a word. AWS's rule, which Gatehouse follows (reference §A.1.6): such a `Resource`
 * pattern matches nothing, and Gatehouse's `NotResource` with it cannot say what it excludes, so an Allow with it grants
 * nothing and a Deny with it applies (fails closed; policy review C4). But the authorize API and `/v1/simulate` said
 * only "no policy allows this request", diagnostics empty, of a role allowed `arn:aws:s3:::home/${aws:PrincipalTag/team}/*`
 * whose `team` tag is missing; and "explicitly denied by an identity policy" of a Deny that applied only because its
 * `NotResource` could not be read, the very resource it exempts. A condition on a missing key is explained ("key
 * `…` is absent from the request"), and IAM's own simulator reports such keys (`MissingContextValues`), so the same
 * question asked of Gatehouse's simulator taught the reader nothing about why. Now each such statement is named in the
 * diagnostics (and in `policy evaluate --explain`) with the variable it waits on; the decisions are unchanged.
 *
 * Before the fix 2 of 3 tests failed (the third guards the note against a Deny whose condition did not hold). Real server (SQLite), AWS SDK v3 for the IAM set-up, SigV4-signed `/v1/` calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const V = '2012-10-17';
const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ir3-homes`;

describe('policy review ir3: a Resource variable with no value is explained', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateRoleCommand({
      RoleName: 'ir3-homes',
      AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] }),
    }));
    await iam.send(new PutRolePolicyCommand({
      RoleName: 'ir3-homes',
      PolicyName: 'homes',
      PolicyDocument: JSON.stringify({
        Version: V,
        Statement: [
          { Sid: 'TeamHome', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:PrincipalTag/team}/*' },
          { Sid: 'Scratch', Effect: 'Allow', Action: 's3:PutObject', Resource: '*' },
          { Sid: 'OnlyOwnFolder', Effect: 'Deny', Action: 's3:PutObject', NotResource: 'arn:aws:s3:::scratch/${aws:username}/*' },
          { Sid: 'TaggedOwnFolder', Effect: 'Deny', Action: 's3:DeleteObject', NotResource: 'arn:aws:s3:::scratch/${aws:username}/*', Condition: { StringEquals: { 's3:ExistingObjectTag/keep': 'yes' } } },
          { Sid: 'Deletes', Effect: 'Allow', Action: 's3:DeleteObject', Resource: '*' },
        ],
      }),
    }));
  });
  after(() => s?.stop());

  const ask = async (path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', path, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  it('an Allow whose Resource reads a missing tag: ImplicitDeny, and the diagnostics say which statement waits on which key', async () => {
    for (const path of ['/v1/authorize', '/v1/simulate']) {
      const a = await ask(path, { principal: ROLE, action: 's3:GetObject', resource: 'arn:aws:s3:::home/ml/data.csv' });
      assert.equal(a['decision'], 'ImplicitDeny', path);
      const diagnostics = (a['diagnostics'] as string[]).join('\n');
      assert.match(diagnostics, /statement 0 \(TeamHome\): .*\$\{aws:PrincipalTag\/team\}.*no value/, `${path}: ${diagnostics}`);
    }
  });

  it('a Deny whose NotResource reads a missing key: ExplicitDeny, and the diagnostics say it applied for want of the key', async () => {
    const a = await ask('/v1/authorize', { principal: ROLE, action: 's3:PutObject', resource: 'arn:aws:s3:::scratch/anything/x' });
    assert.equal(a['decision'], 'ExplicitDeny');
    const diagnostics = (a['diagnostics'] as string[]).join('\n');
    assert.match(diagnostics, /statement 2 \(OnlyOwnFolder\): .*\$\{aws:username\}.*no value.*the Deny applies \(fails closed\)/, diagnostics);
  });

  it('such a Deny whose condition does not hold: not applied, and nothing says it applies', async () => {
    const a = await ask('/v1/authorize', { principal: ROLE, action: 's3:DeleteObject', resource: 'arn:aws:s3:::scratch/anything/x', context: { 's3:ExistingObjectTag/keep': 'no' } });
    assert.equal(a['decision'], 'Allow');
    assert.doesNotMatch((a['diagnostics'] as string[]).join('\n'), /the Deny applies/);
  });
});
