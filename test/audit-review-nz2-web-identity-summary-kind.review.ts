/**
 * Review nz, 2: the summary of refused web-identity calls the flood limit left out is the kind of record it sums up.
 *
 * Contract: README §7 — a `session` record is "every session issued … or refused (`Deny` …)", and `audit query --kind`
 * filters by it; docs/decisions.md (review kp, 3) — a refused web-identity call's summary names whom its record does, so
 * that a query by the role finds every attempt on it; issue 7 — "never drops one silently".
 *
 * What was wrong: a refused AssumeRoleWithWebIdentity is recorded as a `session` `Deny` on the role (resource: the
 * role), but the summary of those the flood limit left out was a `decision` on resource `*`: `audit query --kind session
 * --role R` (the refused sessions of a role) counted the few recorded and missed the many summarised, `--kind decision`
 * listed a decision nobody made, and a query by the role as resource missed the summary. Now the summary of refused
 * sessions is a `session` record on the role, as its records are (summaries of refused signed requests stay `decision`).
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

const IP = '127.0.0.23';

describe('audit review nz2: a summary of refused web-identity calls is a session record on the role', () => {
  let s: TestServer;
  let issuer: OidcIssuer;
  let roleArn = '';
  before(async () => {
    [s, issuer] = await Promise.all([startTestServer(), startOidcIssuer()]);
    const iam = s.iam();
    try {
      const providerArn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.hostPath}:sub`]: 'repo:ml/train' } } }] };
      roleArn = (await iam.send(new I.CreateRoleCommand({ RoleName: 'ci-nz2', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role?.Arn ?? '';
    } finally {
      iam.destroy();
    }
  });
  after(async () => {
    await issuer?.close();
    await s?.stop();
  });

  it('a burst from one address: --kind session --role R accounts for every attempt, --kind decision for none', async () => {
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
    assert.deepEqual([sum.kind, sum.resource, sum.role, sum.decision], ['session', roleArn, roleArn, 'Deny'], 'the summary is what its records are');
    const refusedSessions = (await auditRecords(s, { kind: 'session', role: roleArn })).filter((r) => r.sourceIp === IP);
    assert.equal(total(refusedSessions), N, "the role's refused sessions account for every attempt");
    const decisions = (await auditRecords(s, { kind: 'decision' })).filter((r) => r.sourceIp === IP);
    assert.deepEqual(decisions.map((r) => r.action), [], 'no decision was made');
  });
});
