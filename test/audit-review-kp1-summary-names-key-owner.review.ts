/**
 * Review kp, finding 1: the summary record of refused authentications left out by the flood limit (review kn1) named
 * the principal `anonymous` in the root account even when the refused requests were signed with a key the directory
 * knows: a burst of bad signatures with alice's leaked key id showed as alice's for its first 20 records, then as
 * `anonymous` for the rest, so `audit query --principal <alice>` (and the account's own view) missed most of them.
 * Now the summary names the key's owner (principal, account, and for a role session its role, session, job and
 * source identity) when every refusal it sums up names that owner; refusals from one address under different owners
 * (or none known) are summed up in one record per owner. Real AWS SDK v3 requests against a real server.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditRecordsFrom } from './support/audit-from.ts';
import { floodBurst } from './support/flood-burst.ts';
import { settled } from './support/settle.ts';
import { auditRecords, errorName, REGION, startTestServer, userWithKey, type TestServer } from './support/server.ts';

const ALICE = 'arn:aws:iam::000000000000:user/alice-kp1';

describe('audit review kp1: a summary of refusals left out names the key owner', () => {
  let s: TestServer;
  let aliceKey = '';
  before(async () => {
    s = await startTestServer();
    aliceKey = (await userWithKey(s, 'alice-kp1')).accessKeyId;
  });
  after(async () => {
    await s?.stop();
  });

  /**
   * `n` refused GetCallerIdentity calls from `ip` and more, 8 at a time, each signed with one of `keys` in turn (wrong
   * secrets), ending with a round of every key left out (test/support/flood-burst.ts), the clock held so that every
   * refusal after the address's first 20 is left out whatever the host's speed (review us, 3: under load a closing
   * round's record came after alice's refusals and carried them, and her summary was missing): a summary per key's
   * owner is due. Returns how many were sent.
   */
  async function burst(ip: string, keys: readonly string[], n: number, expected: readonly string[]): Promise<number> {
    const agent = new Agent({ localAddress: ip, keepAlive: true, maxSockets: 8 });
    const clients = keys.map((k) => new STSClient({ endpoint: s.url, region: REGION, credentials: { accessKeyId: k, secretAccessKey: 'wrong-secret-kp1' }, maxAttempts: 1, requestHandler: { httpAgent: agent } }));
    const sent = await floodBurst(s.url, n, async (k) => {
      const i = k % clients.length;
      assert.equal(await errorName((clients[i] as STSClient).send(new GetCallerIdentityCommand({}))), expected[i]);
    }, { round: clients.length, holdClock: true });
    for (const c of clients) c.destroy();
    agent.destroy();
    return sent;
  }

  /** The refusals records account for: each record is one (a summary none), plus what it carries. */
  const total = (rs: readonly AuditRecord[]): number => rs.reduce((n, r) => n + (r.detail['first'] === undefined ? 1 : 0) + Number(r.detail['suppressed'] ?? 0), 0);
  /** The records from `ip`, once they account for `n` refusals (the summaries are written by a timer: waited for). */
  const settledFrom = (ip: string, n: number): Promise<AuditRecord[]> =>
    settled(
      async () => (await auditRecordsFrom(s, ip)).filter((x) => x.detail['authentication'] !== undefined),
      (got) => total(got) >= n,
    );

  it("a burst of bad signatures with alice's key: the summary is alice's, and found by her principal", async () => {
    const N = await burst('127.0.0.7', [aliceKey], 50, ['SignatureDoesNotMatch']);
    const got = await settledFrom('127.0.0.7', N);
    const summaries = got.filter((r) => r.detail['first'] !== undefined);
    assert.equal(summaries.length, 1, 'one summary');
    assert.equal(total(got), N, 'every refusal once');
    const [sum] = summaries as [AuditRecord];
    assert.deepEqual([sum.principal, sum.account, sum.detail['accessKeyIds']], [ALICE, '000000000000', [aliceKey]]);
    const hers = await auditRecords(s, { principal: ALICE });
    assert.equal(total(hers.filter((r) => r.sourceIp === '127.0.0.7')), N, "her principal's records account for every refusal");
  });

  it("alice's key and an unknown key from one address: one summary each, alice's named, the other anonymous", async () => {
    const unknown = 'AKIAUNKNOWNKEYKP1000';
    const N = await burst('127.0.0.8', [aliceKey, unknown], 60, ['SignatureDoesNotMatch', 'InvalidClientTokenId']);
    const got = await settledFrom('127.0.0.8', N);
    const summaries = got.filter((r) => r.detail['first'] !== undefined);
    assert.equal(total(got), N, 'every refusal once');
    const byPrincipal = new Map(summaries.map((r) => [r.principal, r]));
    assert.equal(summaries.length, 2, JSON.stringify(summaries.map((r) => [r.principal, r.detail])));
    assert.deepEqual(byPrincipal.get(ALICE)?.detail['accessKeyIds'], [aliceKey]);
    assert.deepEqual(byPrincipal.get(ALICE)?.detail['codes'], ['SignatureDoesNotMatch']);
    assert.deepEqual(byPrincipal.get('anonymous')?.detail['accessKeyIds'], [unknown]);
    assert.deepEqual(byPrincipal.get('anonymous')?.detail['codes'], ['InvalidClientTokenId']);
  });
});
