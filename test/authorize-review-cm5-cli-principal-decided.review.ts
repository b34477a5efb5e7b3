/**
 * Review cm, 5. `gatehouse authorize` and `gatehouse simulate` printed the decision without saying whom it was about
 * when the server named another principal than the one typed: `--principal arn:aws:iam::…:user/BOB` for user `bob` is
 * answered with `"principal": "arn:aws:iam::…:user/bob"`, the ARN decided (README, "GCP-style bindings"; review V,
 * P8), which `--json` showed and the text output dropped, so a reader could not tell that the question was decided
 * for `bob` (and a policy or binding naming `user/BOB` literally did not count).
 *
 * Now the text output says `decided for <ARN>` under the decision whenever the answer names the principal; an answer
 * about the principal as typed is printed as before. Real server (SQLite), the CLI in process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const BOB = 'arn:aws:iam::000000000000:user/bob';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'bob' }));
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
});
after(() => s?.stop());

test('authorize and simulate say whom they decided for when it is not spelt as asked', async () => {
  for (const cmd of [['authorize', '--principal'], ['simulate', '--as']]) {
    const r = await cliAgainst(s, [...cmd, 'arn:aws:iam::000000000000:user/BOB', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k']);
    assert.equal(r.status, 0, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'Allow', r.out);
    assert.equal(lines[1], `  decided for ${BOB}`, r.out);
  }
});

test('an answer about the principal as typed is printed as before', async () => {
  const r = await cliAgainst(s, ['authorize', '--principal', BOB, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k']);
  assert.equal(r.status, 0, r.err);
  assert.doesNotMatch(r.out, /decided for/);
  assert.match(r.out, /^Allow\n {2}iam: Allow/);
});
