/**
 * Review aa1: the CLI's retries (stop 24, H16) send a change twice when its outcome is unknown.
 *
 * The server answers 503 ServiceUnavailable ("which clients retry") for every `StoreUnavailableError`, and the
 * PostgreSQL store raises one when the connection is lost during COMMIT: the transaction may well have committed.
 * The CLI reads that 503 as "nothing was done" and sends the POST again. Repro: a real server on PostgreSQL through a
 * TCP proxy on 127.0.0.1 that lets the COMMIT of the access-key insert reach PostgreSQL, swallows its answer and cuts
 * the connection; `gatehouse iam access-keys create --user bob` (AWS_MAX_ATTEMPTS left at its default of 3) then
 * leaves bob with TWO access keys, one whose secret was never shown to anyone. The same for any change a retry does
 * not find already made (`jobs run` starts two jobs), and one that it does find answers "already exists" for what
 * this very command created.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitAnswerLost, serverBehindProxy, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('review aa1: a change whose COMMIT answer was lost is not sent again', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  before(async () => {
    s = await serverBehindProxy('review_aa1');
  });
  after(() => s?.stop());

  it('gatehouse iam access-keys create leaves one key, or says its outcome is unknown', async () => {
    const made = await s.cli(['iam', 'users', 'create', 'bob']);
    assert.equal(made.code, 0, made.stderr);
    s.fault = commitAnswerLost((text) => text.includes('INSERT INTO access_keys'));
    const r = await s.cli(['iam', 'access-keys', 'create', '--user', 'bob']);
    assert.equal(s.fired, 1, 'the proxy cut the COMMIT of the access key');
    const listed = await s.cli(['iam', 'access-keys', 'list', '--user', 'bob', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const keys = (JSON.parse(listed.stdout) as { accessKeys: unknown[] }).accessKeys;
    // Before: exit 0, a second key printed, two keys stored (the first one's secret shown to no one).
    assert.equal(keys.length, 1, `bob has ${keys.length} access keys after one create (exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()})`);
    // After: exit 11 OutcomeUnknown, as for a connection lost after sending.
    assert.equal(r.code, 11, `the command cannot know whether its key was made: ${r.stderr}`);
  });
});
