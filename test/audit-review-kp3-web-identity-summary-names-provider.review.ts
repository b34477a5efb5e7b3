/**
 * Review kp, finding 3: refused AssumeRoleWithWebIdentity calls whose token verified against a registered provider
 * (a trust policy that does not match its `sub`: a CI system's misconfigured role, retried by every runner behind one
 * NAT address) are recorded under the provider's ARN, in the role's account, with the role; those the flood limit left
 * out were summed up in a record naming `anonymous` in the root account and no role, so `audit query --role <role>`
 * and the role account's own view of the log missed most of the attempts. Now the summary names the provider, the
 * role's account and the role, as the records it sums up do (kp1 did so for signed requests' keys).
 * A real server in process, an OIDC issuer on loopback, real AWS SDK v3 (unsigned AssumeRoleWithWebIdentity).
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditRecordsFrom } from './support/audit-from.ts';
import { floodBurst } from './support/flood-burst.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { auditRecords, errorName, REGION, startTestServer, type TestServer } from './support/server.ts';

const IP = '127.0.0.12';

describe('audit review kp3: a summary of refused web-identity calls names the provider and the role', () => {
  let s: TestServer;
  let issuer: OidcIssuer;
  let roleArn = '';
  let providerArn = '';
  before(async () => {
    [s, issuer] = await Promise.all([startTestServer(), startOidcIssuer()]);
    const iam = s.iam();
    try {
      providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.hostPath}:sub`]: 'repo:ml/train' } } }] };
      roleArn = (await iam.send(new I.CreateRoleCommand({ RoleName: 'ci-kp3', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role?.Arn ?? '';
    } finally {
      iam.destroy();
    }
  });
  after(async () => {
    await issuer?.close();
    await s?.stop();
  });

  it('a burst from one address with a verified token the trust policy refuses: the summary is the provider’s, on the role', async () => {
    const token = await issuer.mint({ sub: 'repo:ml/other' });
    const agent = new Agent({ localAddress: IP, keepAlive: true, maxSockets: 8 });
    const sts = new STSClient({ endpoint: s.url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1, requestHandler: { httpAgent: agent } });
    // 50 and more: the burst ends with refusals left out (test/support/flood-burst.ts), so a summary is due.
    const N = await floodBurst(s.url, 50, async () => {
      assert.equal(await errorName(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'ci', WebIdentityToken: token }))), 'AccessDenied');
    });
    sts.destroy();
    agent.destroy();
    const total = (rs: readonly AuditRecord[]): number => rs.reduce((n, r) => n + (r.detail['first'] === undefined ? 1 : 0) + Number(r.detail['suppressed'] ?? 0), 0);
    let got: AuditRecord[] = [];
    for (let i = 0; i < 100; i++) {
      got = await auditRecordsFrom(s, IP);
      if (got.some((r) => r.detail['first'] !== undefined) && total(got) >= N) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(total(got), N, 'every refusal once');
    const summaries = got.filter((r) => r.detail['first'] !== undefined);
    assert.equal(summaries.length, 1, 'one summary');
    const [sum] = summaries as [AuditRecord];
    assert.deepEqual([sum.principal, sum.account, sum.role, sum.action], [providerArn, '000000000000', roleArn, 'sts:AssumeRoleWithWebIdentity']);
    const onRole = (await auditRecords(s, { role: roleArn })).filter((r) => r.sourceIp === IP);
    assert.equal(total(onRole), N, "the role's records account for every attempt");
  });
});
