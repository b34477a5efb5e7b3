/**
 * Review el, 1: `gatehouse audit query --principal "$ARN"` with ARN unset (or empty, or blank) printed every record of
 * the log, exit 0, as if they were that principal's: the CLI sent `principal=` and the server reads an empty parameter as
 * no filter (the console sends its empty fields so). The same for `--job`, `--action`, `--decision` and `--account`. An
 * evidence export (`audit query --principal "$SUSPECT" --json > evidence.jsonl`) held everyone's records; README §7 says
 * the filters narrow ("filters combine with AND") and review H7 refused an empty name where the path takes one for the
 * same reason. Now an empty or blank filter is a usage error naming the option (exit 2), nothing sent; a filter given
 * still narrows.
 *
 * Before the fix, 5 of the 6 tests failed (each printed every record and exited 0). A real server on 127.0.0.1, the
 * CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

describe('review el1: an empty audit query filter is refused, not read as no filter', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    for (const name of ['el1-a', 'el1-b']) await s.iam().send(new CreateUserCommand({ UserName: name }));
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  for (const flag of ['--principal', '--job', '--action', '--decision', '--account']) {
    it(`audit query ${flag} '' (and blank): exit 2 naming ${flag}, no record printed`, async () => {
      for (const value of ['', '  ']) {
        const r = await cliAgainst(s, ['audit', 'query', flag, value, '--json']);
        assert.equal(r.out, '', `${flag} '${value}' printed records: ${r.out.slice(0, 300)}`);
        assert.equal(r.status, 2, `${flag} '${value}': exit ${r.status}; ${r.err}`);
        assert.match(r.err, new RegExp(`${flag} is empty`), r.err);
      }
    });
  }

  it('a filter given still narrows', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--principal', 'arn:aws:iam::000000000000:user/admin', '--action', 'iam:CreateUser', '--json']);
    assert.equal(r.status, 0, r.err);
    const records = r.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { resource: string });
    assert.deepEqual(records.map((x) => x.resource), ['arn:aws:iam::000000000000:user/el1-a', 'arn:aws:iam::000000000000:user/el1-b']);
  });
});
