/**
 * Review ic, 8. The text output of `gatehouse authorize` and `gatehouse simulate` says which policy type blocked an
 * implicit deny (review ic, 1), as "blocked at: <type> (no statement of it allows this request)". For `deniedBy:
 * resource` that was false where a rule of the resource's side refused what its policy allowed: a partner's user whom
 * the bucket policy grants `s3:GetBucketPolicy` is refused it because only the bucket owner's account may read a bucket
 * policy (review gl, 4), and the text said that no statement of the resource policy allowed it, under a `matched` line
 * showing the statement that did. Now `resource` reads "blocked at: the resource's account", with the reasons above
 * saying why (no policy of that account allows it, or its owner's rule); the other policy types keep their words.
 *
 * Before the fix 1 of 1 test failed. Real server (SQLite), the CLI in process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cliAgainst, createdAccount, startTestServer, userWithPolicy, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const BOB = 'arn:aws:iam::111111111111:user/bob';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const partner = await createdAccount(s, '111111111111', 'partner');
  await userWithPolicy({ url: s.url, admin: partner }, 'bob', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }));
  const put = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::ic8-data')}`, {
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: BOB }, Action: ['s3:GetBucketPolicy', 's3:GetObject'], Resource: ['arn:aws:s3:::ic8-data', 'arn:aws:s3:::ic8-data/*'] }] },
  });
  assert.equal(put.status, 200, JSON.stringify(put.json));
});
after(() => s?.stop());

test('an implicit deny of the resource\'s side is not said to be for want of a statement', async () => {
  for (const cmd of [['authorize', '--principal'], ['simulate', '--as']]) {
    // The bucket policy allows it; the owner's rule refuses it.
    const owners = await cliAgainst(s, [...cmd, BOB, '--action', 's3:GetBucketPolicy', '--resource', 'arn:aws:s3:::ic8-data']);
    assert.equal(owners.status, 1, owners.err);
    let lines = owners.out.split('\n');
    assert.equal(lines[0], 'ImplicitDeny', owners.out);
    assert.ok(lines.includes('  blocked at: the resource\'s account (the reasons above say why)'), owners.out);
    assert.ok(lines.includes('    Allow iam resource `resource policy of arn:aws:s3:::ic8-data` statement 0'), owners.out);
    // No statement of the bucket policy allows it.
    const put = await cliAgainst(s, [...cmd, BOB, '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::ic8-data/k']);
    assert.equal(put.status, 1, put.err);
    lines = put.out.split('\n');
    assert.ok(lines.includes('  iam: ImplicitDeny: cross-account request: no resource policy of account 000000000000 allows it'), put.out);
    assert.ok(lines.includes('  blocked at: the resource\'s account (the reasons above say why)'), put.out);
    assert.doesNotMatch(put.out + owners.out, /no statement of it/);
  }
});
