/**
 * Policy review ir, finding 4: a `Deny` with `NotPrincipal` that lists the caller denied it without saying why, when the
 * caller has a permissions boundary. AWS's rule, which Gatehouse follows (reference §A.1.4; AWS "Permissions boundaries
 * for IAM entities": a NotPrincipal Deny "always denies any principal that has a permissions boundary attached"), makes
 * the exemption void for such a principal. But the authorize API answered "explicitly denied by a resource policy", the
 * matched statement being the very NotPrincipal statement that lists the caller, and nothing else: the bucket owner,
 * reading their own exemption of `carol`, could not tell that her boundary is what brings the Deny on her (the usual
 * fix is AWS's advice: `Principal: "*"` with `ArnNotEquals aws:PrincipalArn`). Now the diagnostics (and
 * `policy evaluate --explain`) say that the statement lists the principal and applies for its boundary; the decision is
 * unchanged, and a listed principal without a boundary is still exempt.
 *
 * Before the fix 1 of 2 tests failed. Real server (SQLite), AWS SDK v3 for the IAM set-up, SigV4-signed `/v1/` calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyCommand, PutUserPermissionsBoundaryCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { iamUserWith, startTestServer, type TestServer } from './support/server.ts';

const V = '2012-10-17';
const ACCOUNT = '000000000000';
const BUCKET = 'arn:aws:s3:::ir4-vault';
const user = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;

describe('policy review ir4: a NotPrincipal Deny applying for the boundary says so', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const reads = { Version: V, Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
    await iamUserWith(iam, 'carol', reads);
    await iamUserWith(iam, 'dan', reads);
    const bound = await iam.send(new CreatePolicyCommand({ PolicyName: 'ir4-bound', PolicyDocument: JSON.stringify(reads) }));
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'carol', PermissionsBoundary: bound.Policy?.Arn }));
    const put = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(BUCKET)}`, {
      document: {
        Version: V,
        Statement: [{ Sid: 'OnlyListed', Effect: 'Deny', NotPrincipal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`, user('carol'), user('dan')] }, Action: 's3:*', Resource: `${BUCKET}/*` }],
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });
  after(() => s?.stop());

  const ask = async (principal: string): Promise<Record<string, unknown>> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 's3:GetObject', resource: `${BUCKET}/k` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  it('carol, listed but bounded: ExplicitDeny, and the diagnostics name her boundary as the reason', async () => {
    const a = await ask(user('carol'));
    assert.equal(a['decision'], 'ExplicitDeny');
    const diagnostics = (a['diagnostics'] as string[]).join('\n');
    assert.match(diagnostics, /resource policy `[^`]+` statement 0 \(OnlyListed\): `NotPrincipal` lists this principal, but it has a permissions boundary/, diagnostics);
  });

  it('dan, listed and unbounded: exempt, allowed by his identity policy, no such note', async () => {
    const a = await ask(user('dan'));
    assert.equal(a['decision'], 'Allow');
    assert.doesNotMatch((a['diagnostics'] as string[]).join('\n'), /NotPrincipal/);
  });
});
