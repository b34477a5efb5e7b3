/**
 * Review to, 3: review sy, 3 records a decision on a `principalProof` of another account's principal in that
 * principal's account too, but its copy held only `crossAccount` (and `deniedBy`): not `askedBy`, the principal of the
 * asking account that presented the proof, nor `detail.audience`, the resource server the proof was bound to (its own
 * signed `x-gatehouse-audience` header). The asker's record has both, and so has a refused proof's record
 * (docs/decisions.md, principalProof: "with `askedBy`"; "`askedBy`, `detail.audience` when given"). A proof is a
 * bearer token for its lifetime (ibid.): the principal's account, reading that its key was presented to another
 * account's service, could not tell which service holds its proofs, nor for which resource server it made them, which
 * is what an investigation of a leaked or replayed proof asks first (CloudTrail names who acted on a principal's
 * behalf: `userIdentity.invokedBy`).
 *
 * Now the copy names `askedBy` and `audience` too: provenance, still none of the asker's reasons or matched rules.
 *
 * Real in-process server (SQLite); real SigV4 presigned proofs, one bound to an audience.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import type { Credentials } from './support/server.ts';
import { accountAdminSuite, ownAuditRecords } from './support/audit-from.ts';

const A = '111111111111';
const ROOT = '000000000000';

describe('review to3: the principal\'s copy of a proof decision names who asked and for which audience', () => {
  const world = accountAdminSuite(A);
  const ownRecords = (who: Credentials, query: string): Promise<AuditRecord[]> => ownAuditRecords(world().s, who, query);

  it('account A reads which service of the root account presented its admin\'s proof, and the proof\'s audience', async () => {
    const { s, admin: aAdmin } = world();
    const audience = 'https://models.example.test';
    const proof = `${s.url}/?${await identityProof(s.url, aAdmin, audience)}`;
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof: proof, audience, action: 's3:GetObject', resource: 'arn:aws:s3:::to3/k' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const asker = (await ownRecords(s.admin, `account=${ROOT}&kind=decision&action=s3:GetObject`)).filter((x) => x.resource === 'arn:aws:s3:::to3/k');
    assert.equal(asker.length, 1, JSON.stringify(asker));
    const askedBy = asker[0]?.detail['askedBy'];
    assert.equal(typeof askedBy, 'string');
    assert.equal(asker[0]?.detail['audience'], audience);
    const theirs = (await ownRecords(aAdmin, `kind=decision&accessKeyId=${aAdmin.accessKeyId}`)).filter((x) => x.resource === 'arn:aws:s3:::to3/k');
    assert.equal(theirs.length, 1, JSON.stringify(theirs));
    const d = { ...(theirs[0]?.detail ?? {}) };
    delete d['deniedBy'];
    assert.deepEqual(d, { crossAccount: { callerAccount: ROOT, principalAccount: A }, askedBy, audience }, `account ${A}'s copy does not say who presented its admin's proof, nor for which audience`);
    assert.equal(theirs[0]?.detail['matched'], undefined);
    assert.equal(theirs[0]?.detail['reasons'], undefined);
  });
});
