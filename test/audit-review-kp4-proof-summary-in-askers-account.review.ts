/**
 * Review kp, finding 4: a refused `principalProof` is recorded in the account of the service that relayed it (the
 * asker of POST /v1/authorize: its admins read the attempts made against their service), naming the proof key's owner;
 * the summary of those the flood limit left out was written in another account (the root account before kp1, the
 * key owner's since), so the asker's account saw the first 20 refusals of a burst of forged proofs and nothing of the
 * rest. Now the summary is in the asker's account, naming the owner, as the records it sums up are.
 * A real server in process, a second account's admin asking POST /v1/authorize with forged SigV4-presigned proofs.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { floodBurst } from './support/flood-burst.ts';
import { settled } from './support/settle.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { createdAccount, REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const B = '111111111111';

describe('audit review kp4: the summary of refused proofs is in the account of the service that asked', () => {
  let s: TestServer;
  let service: Credentials;
  let alice: Credentials;
  before(async () => {
    s = await startTestServer();
    service = await createdAccount(s, B, 'kp4-service');
    alice = await userWithKey(s, 'alice-kp4');
    await s.running.app.refresh();
  });
  after(async () => {
    await s?.stop();
  });

  it("a burst of forged proofs of alice's key relayed by account B: B's log accounts for every one", async () => {
    const u = new URL(s.url);
    const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: alice, sha256: Sha256 });
    const p = await signer.presign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host } }, { expiresIn: 60 });
    const valid = `${s.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
    const forged = valid.replace(/X-Amz-Signature=([0-9a-f])/, (_m, d: string) => `X-Amz-Signature=${d === '0' ? '1' : '0'}`);
    // 60 and more: the burst ends with refusals left out (test/support/flood-burst.ts), so a summary is due.
    // The clock held (flood-burst.ts `holdClock`; the server is in this process): on a loaded host the flood limit gave
    // tokens back as fast as the closing tries came, and the burst could run into its bound.
    const N = await floodBurst(
      s.url,
      60,
      async () => {
        const r = await gatehouseJson(s.url, service, 'POST', '/v1/authorize', { principalProof: forged, action: 's3:GetObject', resource: 'arn:aws:s3:::kp4/x' });
        assert.equal(r.status, 403, JSON.stringify(r.json));
      },
      { holdClock: true },
    );
    const total = (rs: readonly AuditRecord[]): number => rs.reduce((n, r) => n + (r.detail['first'] === undefined ? 1 : 0) + Number(r.detail['suppressed'] ?? 0), 0);
    // The summary is written by a timer once the address is quiet: waited for (test/support/settle.ts).
    const mine = await settled(
      async () => {
        await s.running.app.audit.flush();
        // What account B's admin reads of its own log.
        const r = await gatehouseJson(s.url, service, 'GET', '/v1/audit?limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json['records'] as AuditRecord[]).filter((x) => x.detail['authentication'] !== undefined);
      },
      (rs) => rs.some((x) => x.detail['first'] !== undefined),
    );
    const summaries = mine.filter((x) => x.detail['first'] !== undefined);
    assert.equal(summaries.length, 1, `one summary in account B: ${JSON.stringify(mine.map((x) => [x.account, x.principal, x.detail['suppressed']]))}`);
    assert.equal(total(mine), N, 'every refused proof once');
    assert.deepEqual([summaries[0]?.account, summaries[0]?.principal], [B, 'arn:aws:iam::000000000000:user/alice-kp4']);
  });
});
