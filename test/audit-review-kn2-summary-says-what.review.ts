/**
 * Review kn, finding 2: the summary of refusals left out by the flood limit (kn1) said what was refused only for the
 * front doors' signed requests. Refused unsigned AssumeRoleWithWebIdentity calls (and refused TokenReviews and
 * `principalProof`s), which share the flood gate, were admitted without saying what they were, so their summary
 * listed no code and no action and named the refusal `Multiple`. Now every caller of the gate passes the AWS error
 * code, the action and the claimed key id, and a summary with no code names it `Unknown`. Real AWS SDK v3
 * (AssumeRoleWithWebIdentity, unsigned) against a real server.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditRecordsFrom } from './support/audit-from.ts';
import { floodBurst } from './support/flood-burst.ts';
import { settled } from './support/settle.ts';
import { errorName, REGION, startTestServer, type TestServer } from './support/server.ts';

describe('audit review kn2: a summary of refusals left out says what they were', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.stop();
  });

  const from = (ip: string): Promise<AuditRecord[]> => auditRecordsFrom(s, ip);

  it('a burst of refused AssumeRoleWithWebIdentity calls, then quiet: the summary names InvalidIdentityToken and the action', async () => {
    const agent = new Agent({ localAddress: '127.0.0.4', keepAlive: true, maxSockets: 8 });
    // Unsigned: AssumeRoleWithWebIdentity needs no credentials (optional auth), an empty provider chain is fine.
    const sts = new STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: async () => { throw new Error('no credentials'); }, requestHandler: { httpAgent: agent } });
    // 40 and more: the burst ends with refusals left out (test/support/flood-burst.ts), so a summary is due.
    // The clock held (flood-burst.ts `holdClock`; the server is in this process): on a loaded host the flood limit gave
    // tokens back as fast as the closing tries came, and the burst could run into its bound.
    await floodBurst(
      s.url,
      40,
      async () => {
        assert.equal(await errorName(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/none', RoleSessionName: 'guess', WebIdentityToken: 'x'.repeat(64) }))), 'InvalidIdentityTokenException');
      },
      { holdClock: true },
    );
    // Written by a timer once the address is quiet: waited for (test/support/settle.ts).
    const summaryOf = (rs: readonly AuditRecord[]): AuditRecord | undefined => rs.find((r) => r.detail['first'] !== undefined);
    const sum = summaryOf(await settled(() => from('127.0.0.4'), (rs) => summaryOf(rs) !== undefined));
    assert.ok(sum !== undefined, 'a summary is written');
    assert.deepEqual([sum.action, sum.detail['authentication'], sum.detail['codes'], sum.detail['actions']], ['sts:AssumeRoleWithWebIdentity', 'InvalidIdentityToken', ['InvalidIdentityToken'], ['sts:AssumeRoleWithWebIdentity']]);
    assert.ok(!JSON.stringify(sum).includes('x'.repeat(64)), 'never the token');
    sts.destroy();
    agent.destroy();
  });
});
