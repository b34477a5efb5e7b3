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
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditRecords, type TestServer } from './support/server.ts';
import { refusalsCounted as total, refusedWebIdentityFlood, startRefusingRole } from './support/web-identity-flood.ts';
import type { WebIdentityWorld } from './support/web-identity.ts';

const IP = '127.0.0.12';

describe('audit review kp3: a summary of refused web-identity calls names the provider and the role', () => {
  let world: WebIdentityWorld;
  let s: TestServer;
  let roleArn = '';
  let providerArn = '';
  before(async () => {
    ({ world, roleArn } = await startRefusingRole('ci-kp3'));
    s = world.server;
    providerArn = world.provider;
  });
  after(() => world?.close());

  it('a burst from one address with a verified token the trust policy refuses: the summary is the provider’s, on the role', async () => {
    const { sent: N, records: got } = await refusedWebIdentityFlood(world, roleArn, IP);
    assert.equal(total(got), N, 'every refusal once');
    const summaries = got.filter((r) => r.detail['first'] !== undefined);
    assert.equal(summaries.length, 1, 'one summary');
    const [sum] = summaries as [AuditRecord];
    assert.deepEqual([sum.principal, sum.account, sum.role, sum.action], [providerArn, '000000000000', roleArn, 'sts:AssumeRoleWithWebIdentity']);
    const onRole = (await auditRecords(s, { role: roleArn })).filter((r) => r.sourceIp === IP);
    assert.equal(total(onRole), N, "the role's records account for every attempt");
  });
});
