/**
 * Review sy, 3: a decision the authorize API makes on a `principalProof` of another account's principal was recorded
 * in the asker's account alone. The proof is the principal's own request (a presigned GetCallerIdentity it signed with
 * its key: on AWS, the resource server's call with it is an event in the principal's account), and the decision says
 * what that principal did and was allowed or refused: its account's readers (GET /v1/audit reads its own account's
 * records only) could not see their key presented to another account's service, nor the denials, and `audit query
 * --access-key-id AKIA…` or `--principal` in that account missed them. A cross-account decision is recorded in both
 * accounts (src/app/audit.ts `auditedAuthorizer`, review V, P7: CloudTrail delivers a cross-account data event to
 * both), which the S3 gateway's did and the proof's did not.
 *
 * Now a decision on a proof of a principal of another account than the asker's is recorded in that account too, with
 * `crossAccount` and the refusing policy type, as the resource owner's copy is (not the asker's reasons and rules:
 * its account's to read). A proof of the asker's own account is recorded once, as before.
 *
 * Real in-process server (SQLite); real SigV4 presigned proofs.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { userWithKey, type Credentials } from './support/server.ts';
import { accountAdminSuite, ownAuditRecords } from './support/audit-from.ts';

const A = '111111111111';

describe('review sy3: a decision on a proof of another account\'s principal is in that account\'s log too', () => {
  const world = accountAdminSuite(A);
  const ownRecords = (who: Credentials, query: string): Promise<AuditRecord[]> => ownAuditRecords(world().s, who, query);

  it('the root account\'s service decides on a proof of account A\'s admin: A reads the decision', async () => {
    const { s, admin: aAdmin } = world();
    const proof = `${s.url}/?${await identityProof(s.url, aAdmin)}`;
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof: proof, action: 's3:GetObject', resource: 'arn:aws:s3:::sy3-root/k' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const decided = r.json['decision'] as string;
    // The asker's account has it, as before.
    const asker = await ownRecords(s.admin, 'account=000000000000&kind=decision&action=s3:GetObject');
    const mine = asker.filter((x) => x.resource === 'arn:aws:s3:::sy3-root/k');
    assert.equal(mine.length, 1, JSON.stringify(asker));
    assert.deepEqual(mine[0]?.detail['crossAccount'], { callerAccount: '000000000000', principalAccount: A }, 'both copies say so');
    assert.ok(Array.isArray(mine[0]?.detail['matched']), 'the asker keeps its explanation');
    // The principal's account reads it too, found by its key.
    const theirs = (await ownRecords(aAdmin, `kind=decision&accessKeyId=${aAdmin.accessKeyId}`)).filter((x) => x.resource === 'arn:aws:s3:::sy3-root/k');
    assert.equal(theirs.length, 1, `account ${A} reads no record of its admin's proof decided by another account: ${JSON.stringify(theirs)}`);
    const t = theirs[0] as AuditRecord;
    assert.deepEqual([t.account, t.principal, t.action, t.decision, t.accessKeyId], [A, `arn:aws:iam::${A}:user/admin`, 's3:GetObject', decided, aAdmin.accessKeyId]);
    assert.deepEqual(t.detail['crossAccount'], { callerAccount: '000000000000', principalAccount: A });
    // Not the asker's reasons and rules.
    assert.equal(t.detail['matched'], undefined);
    assert.equal(t.detail['reasons'], undefined);
  });

  it('a proof of the asker\'s own account is recorded once', async () => {
    const { s } = world();
    const alice = await userWithKey(s, 'sy3-alice');
    await s.running.app.refresh();
    const proof = `${s.url}/?${await identityProof(s.url, alice)}`;
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof: proof, action: 's3:PutObject', resource: 'arn:aws:s3:::sy3-own/k' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const all = (await ownRecords(s.admin, 'kind=decision&action=s3:PutObject')).filter((x) => x.resource === 'arn:aws:s3:::sy3-own/k');
    assert.equal(all.length, 1, JSON.stringify(all));
  });
});
