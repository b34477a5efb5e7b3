/**
 * Review gd, 3. `gatehouse authorize --principal ''` and `gatehouse simulate --as ''` dropped the empty ARN and asked
 * about the caller instead: a script's `gatehouse simulate --as "$ARN" …` with `ARN` unset (a typo, a lookup that found
 * nothing) was answered for the admin running it, `Allow`, exit 0, "decided for" nobody in particular, as if the
 * principal meant were allowed. `escalation-paths --principal ''` printed the whole account's table instead of the
 * principal's paths. The API refuses an empty `principal` (400 naming the field); the CLI never sent it.
 *
 * Now the CLI sends what it was given, and the server's refusal (ValidationError on `principal`) is printed, with its exit status. Real server
 * on 127.0.0.1 (SQLite) and the gatehouse CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const QUESTION = ['--action', 'iam:DeleteUser', '--resource', 'arn:aws:iam::000000000000:user/alice'];

describe('gatehouse authorize, simulate and escalation-paths: an empty principal is refused, not the caller', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  for (const [what, args] of [
    ['authorize --principal', ['authorize', '--principal', '', ...QUESTION]],
    ['simulate --as', ['simulate', '--as', '', ...QUESTION]],
    ['escalation-paths --principal', ['escalation-paths', '--principal', '']],
  ] as const) {
    it(`${what} '' is refused naming principal`, async () => {
      const r = await cliAgainst(s, [...args]);
      assert.notEqual(r.status, 0, `${what}: ${r.out}`);
      assert.doesNotMatch(r.out, /^Allow/m, r.out);
      assert.match(r.err, /principal/, r.err);
    });
  }

  it('without the option, the caller is still asked about', async () => {
    const r = await cliAgainst(s, ['authorize', ...QUESTION]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /^Allow/m);
  });
});
