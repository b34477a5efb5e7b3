/**
 * Review aa9: a READ whose COMMIT answer is lost is answered 500 OutcomeUnknown ("it may or may not have been carried
 * out; look before doing it again"), exit 11, since aa1's fix (35a35f9). The PostgreSQL store sets `committing` for
 * read-only transactions too, so a list that read everything it needed, and changed nothing, is reported as a change
 * of unknown outcome and is not tried again; before aa1 it was a 503 the CLI retried. Repro: a real server on
 * PostgreSQL through a TCP proxy on 127.0.0.1 that swallows the COMMIT answer of the next read-only transaction
 * reading `users`; `gatehouse iam users list` exits 11.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitAnswerLost, serverBehindProxy, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('review aa9: a read whose COMMIT answer was lost is a read that can be tried again', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  before(async () => {
    s = await serverBehindProxy('review_aa9');
  });
  after(() => s?.stop());

  it('gatehouse iam users list answers, or says it could not, but not that its outcome is unknown', async () => {
    const made = await s.cli(['iam', 'users', 'create', 'bob']);
    assert.equal(made.code, 0, made.stderr);
    s.fault = commitAnswerLost((text, readOnly) => readOnly && /FROM users\b/.test(text));
    const r = await s.cli(['iam', 'users', 'list']);
    assert.equal(s.fired, 1, `the proxy cut the COMMIT answer of the read (exit ${r.code}: ${r.stderr})`);
    // Before: exit 11, OutcomeUnknown "may or may not have been carried out" for a listing. A read is tried again (503).
    assert.notEqual(r.code, 11, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /bob/);
  });
});
