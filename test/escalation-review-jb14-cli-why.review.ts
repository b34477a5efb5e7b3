/**
 * Review jb, 14: `gatehouse escalation-paths --principal ARN` printed each step and gain ("user/bob (iam:CreateAccessKey)",
 * "any right for user/eve: iam:PutUserPolicy on user/eve") and never why: the policy and statement that allow it
 * were in `--json` alone, so an auditor reading the CLI could not tell which policy to change. `--why` now prints,
 * under each step and gain, its reasons as the server gives them (which name the statements, review jb, 3); `--why`
 * without `--principal` is a usage error (exit 2) that says so, and the output without `--why` is as before. Checked
 * against the authorize API's `matched` for the same question, and the step taken for real (the key minted). Before
 * the fix 2 of 2 tests failed. Real server (SQLite), SDK v3 IAM, the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review jb14: escalation-paths --why prints the statements that allow each step and gain', () => {
  let s: TestServer;
  let eve: Credentials;
  before(async () => {
    s = await startTestServer();
    eve = await userWithPolicy(s, 'eve', doc({ Sid: 'Mint', Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: user('bob') }, { Sid: 'Self', Effect: 'Allow', Action: 'iam:PutUserPolicy', Resource: user('eve') }), 'minting');
    await s.iam().send(new I.CreateUserCommand({ UserName: 'bob' }));
  });
  after(() => s?.stop());

  it('--why prints under each step and gain the statement that allows it, as the authorize API names it; the step is real', async () => {
    const plain = await cliAgainst(s, ['escalation-paths', '--principal', user('eve')]);
    assert.equal(plain.status, 0, plain.err);
    assert.doesNotMatch(plain.out, /statement 0/);
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('eve'), '--why']);
    assert.equal(cli.status, 0, cli.err);
    const lines = cli.out.split('\n');
    const step = lines.findIndex((l) => /^ {4}user\/bob +→ user\/bob \(iam:CreateAccessKey\)$/.test(l));
    assert.ok(step >= 0, cli.out);
    assert.match(lines[step + 1] ?? '', /^ {8}user\/eve → user\/bob: iam: Allow: allowed by an identity policy \(identity policy `user\/eve\/minting` statement 0 \(Sid `Mint`\)\)$/);
    const gain = lines.findIndex((l) => /^ {4}any right for user\/eve: iam:PutUserPolicy on user\/eve$/.test(l));
    assert.ok(gain >= 0, cli.out);
    assert.match(lines[gain + 1] ?? '', /^ {8}iam: Allow: .*`user\/eve\/minting` statement 1 \(Sid `Self`\)/);
    const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: user('eve'), action: 'iam:CreateAccessKey', resource: user('bob') });
    assert.deepEqual((a.json['matched'] as { policy: string; statement: number; sid?: string }[]).map((m) => [m.policy, m.statement, m.sid]), [['user/eve/minting', 0, 'Mint']]);
    const key = await s.iam(eve).send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
    assert.match(key.AccessKey?.AccessKeyId ?? '', /^AKIA/);
  });

  it('--why without --principal is a usage error that says what to give', async () => {
    const cli = await cliAgainst(s, ['escalation-paths', '--why']);
    assert.equal(cli.status, 2, cli.out + cli.err);
    assert.match(cli.err, /--why explains the paths of one principal: give it with --principal ARN/);
  });
});
