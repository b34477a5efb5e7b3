/**
 * Review nh, 2: `gatehouse audit query`'s table did not show the access key that signed each request, so a user's two keys could not be told apart in it.
 *
 * Records name the signing key since review mi, 2 (`accessKeyId`, CloudTrail's `userIdentity.accessKeyId`; the console
 * shows it as "access key", `--json` prints it), for what README §7 says it is for: "what a leaked key did is told from
 * what the user's other key did". But the table of `audit query --principal <user>` had the columns seq, at, kind,
 * principal, action, resource, decision and job only: both keys' rows read the same, and the key was seen only with
 * `--json`. CloudTrail's LookupEvents answers each event with its `AccessKeyId` ("the AWS access key ID that was used
 * to sign the request") beside its `Username` and `EventName`. Now the table has an `ACCESS-KEY` column. Real in-process server, AWS SDK v3 clients, the CLI.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliAgainst } from './support/server.ts';
import { twoKeysSuite } from './support/two-keys.ts';

describe('review nh2: the audit table shows the key that signed each request', () => {
  const world = twoKeysSuite({ byFirst: ['by-first'], bySecond: ['by-second'] });

  it('each row of `audit query` names its key under ACCESS-KEY', async () => {
    const { server: s, second } = world();
    const q = await cliAgainst(s, ['audit', 'query', '--action', 'iam:CreateUser']);
    assert.equal(q.status, 0, q.err);
    const lines = q.out.split('\n').filter((l) => l !== '');
    assert.match(lines[0] ?? '', / ACCESS-KEY$/, q.out);
    const row = (user: string) => lines.find((l) => l.includes(`:user/${user} `)) ?? '';
    assert.match(row('by-first'), new RegExp(`\\b${s.admin.accessKeyId}\\b`), q.out);
    assert.match(row('by-second'), new RegExp(`\\b${second.accessKeyId}\\b`), q.out);
    assert.doesNotMatch(row('by-first'), new RegExp(second.accessKeyId), q.out);
  });
});
