/**
 * Review ag, finding 3: disabling a user revokes that user's sessions (src/app/revocation.ts `disableUser`: the
 * directory's UpdateUser, then two entries of the revocation list, by name and by unique id). When the COMMIT of a
 * revocation entry reached PostgreSQL and its answer was lost (StoreOutcomeUnknownError: it may be in force), the call
 * answered 500 OutcomeUnknown and the audit log held the UpdateUser only: nothing of the revocation, made or not, as
 * review ab1 had found for `sts revoke-sessions` (whose fix did not cover disabling). Now the revocation of a disabled
 * user's sessions is recorded as every revocation is (gatehouse:RevokeSessions on the user's ARN): ok when it is made,
 * OUTCOME_UNKNOWN with the entry it would have written when its answer was lost. A real server on PostgreSQL behind
 * the TCP proxy that lets the COMMIT reach PostgreSQL and swallows its answer; the gatehouse CLI.
 *
 * Since review fh, 2 the entries are also written in the UpdateUser's own transaction (an instance killed between the
 * two left them unwritten); the revocation after it, which records them and puts them in force on this instance, is
 * the one whose COMMIT answer is lost here (`afterDisabling`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isCommit, serverBehindProxy, type Fault, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

/**
 * The COMMIT of the next write transaction in which `match` sees a statement, outside the UpdateUser's own (which
 * writes the entries too, review fh, 2), reaches PostgreSQL; its answer does not.
 */
function afterDisabling(match: (text: string) => boolean): Fault {
  return {
    connection() {
      let readOnly = false;
      let disabling = false;
      let seen = false;
      return (text) => {
        if (text.includes('BEGIN')) {
          readOnly = text.includes('READ ONLY');
          disabling = false;
          seen = false;
        }
        if (text.includes('UPDATE users')) disabling = true;
        if (!readOnly && !disabling && match(text)) seen = true;
        return seen && isCommit(text) ? 'commit-lost' : 'pass';
      };
    },
  };
}

describe("review ag3: the revocation of a disabled user's sessions is recorded, its unknown outcome too", { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  before(async () => {
    s = await serverBehindProxy('review_ag3');
    for (const name of ['bob', 'ann', 'cy']) {
      const made = await s.cli(['iam', 'users', 'create', name]);
      assert.equal(made.code, 0, made.stderr);
    }
  });
  after(() => s?.stop());

  it('the COMMIT of the revocation entry lost: exit 11, and the attempt is in the audit log, OUTCOME_UNKNOWN', async () => {
    const userArn = `arn:aws:iam::${s.admin.account}:user/bob`;
    s.fault = afterDisabling((text) => text.includes('revoke/user/'));
    const r = await s.cli(['users', 'disable', 'bob']);
    assert.equal(s.fired, 1, 'the proxy cut the COMMIT of the revocation');
    assert.equal(r.code, 11, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /OutcomeUnknown/);
    // Before the fix: no gatehouse:RevokeSessions record at all (the UpdateUser's only).
    const records = await s.records({ action: 'gatehouse:RevokeSessions' });
    assert.deepEqual(records.map((x) => x.decision), ['OUTCOME_UNKNOWN'], JSON.stringify(records));
    const rec = records[0];
    assert.equal(rec?.kind, 'change');
    assert.equal(rec?.resource, userArn);
    assert.deepEqual(rec?.detail['request'], { userName: 'bob' });
    const attempted = rec?.detail['after'] as { kind: string; target: string; before: string };
    assert.equal(attempted.kind, 'user');
    assert.equal(attempted.target, `${s.admin.account}/bob`);
    assert.match(attempted.before, /^\d{4}-\d\d-\d\dT/);
    assert.match(String(rec?.detail['error']), /may or may not have committed/);
    // The disabling itself committed, and is recorded as made.
    const updates = await s.records({ action: 'iam:UpdateUser' });
    assert.ok(updates.some((u) => u.resource === userArn && u.decision === 'ok'), JSON.stringify(updates));
  });

  it('the COMMIT of the second entry (by unique id) lost: the record names that entry', async () => {
    s.fault = afterDisabling((text) => text.includes('revoke/user/') && text.includes('/id:'));
    const r = await s.cli(['users', 'disable', 'cy']);
    assert.equal(r.code, 11, `${r.stdout}\n${r.stderr}`);
    const records = (await s.records({ action: 'gatehouse:RevokeSessions' })).filter((x) => x.resource === `arn:aws:iam::${s.admin.account}:user/cy`);
    assert.deepEqual(records.map((x) => x.decision), ['OUTCOME_UNKNOWN'], JSON.stringify(records));
    assert.match((records[0]?.detail['after'] as { target: string }).target, new RegExp(`^${s.admin.account}/id:AIDA`));
  });

  it('made, it is recorded as made', async () => {
    const r = await s.cli(['users', 'disable', 'ann']);
    assert.equal(r.code, 0, r.stderr);
    const records = (await s.records({ action: 'gatehouse:RevokeSessions' })).filter((x) => x.resource === `arn:aws:iam::${s.admin.account}:user/ann`);
    assert.deepEqual(records.map((x) => x.decision), ['ok'], JSON.stringify(records));
    assert.equal((records[0]?.detail['result'] as { kind: string }).kind, 'user');
  });
});
