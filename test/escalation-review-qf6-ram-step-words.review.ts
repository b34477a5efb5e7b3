/**
 * Review qf, 6: in an `acs` (Alibaba) account, `gatehouse escalation-paths` and `gatehouse who-can` printed each step
 * by its kind in IAM's words, `(iam:CreateAccessKey)`, `(iam:UpdateAssumeRolePolicy)`, `(iam:PassRole to a training
 * job …)`, though the step's actions are RAM's (`ram:CreateAccessKey`; the JSON's `actions` name them so) and no RAM
 * policy grants or denies an `iam:` action: a RAM administrator looking for what to deny was sent to a name RAM does
 * not have. The CLI now words a step of an `acs` account's principal in RAM's service name (`ram:CreateAccessKey`);
 * an `aws` account's as before. The JSON's `how` is a kind, unchanged.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server (SQLite) on 127.0.0.1, the account made through the admin API, SDK v3 IAM for the RAM users, the CLI in
 * process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000986';
const user = (n: string) => `acs:ram::${ACS}:user/${n}`;

describe('review qf6: the CLI words an acs account’s escalation steps in RAM’s names', () => {
  let s: TestServer;
  let root: Credentials;
  before(async () => {
    s = await startTestServer();
    root = await acsAccount(s, ACS);
    const ram = s.iam(root);
    await ramUser(ram, 'target', { Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' });
    // carol may mint target's access key, and so act as target.
    await ramUser(ram, 'carol', { Effect: 'Allow', Action: 'ram:CreateAccessKey', Resource: user('target') });
    await s.iam().send(new I.CreateUserCommand({ UserName: 'qf6-dave' }));
    await s.iam().send(new I.CreateUserCommand({ UserName: 'qf6-erin' }));
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'qf6-dave', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::000000000000:user/qf6-erin' }] }) }));
  });
  after(() => s?.stop());

  it('escalation-paths: the step in RAM’s name, as its actions are; the JSON’s kind unchanged', async () => {
    const r = await gatehouseJson(s.url, root, 'POST', '/v1/escalation-paths', { principal: user('carol') });
    const step = (r.json['reports'] as { canBecome: { path: { how: string; actions: string[] }[] }[] }[])[0]?.canBecome[0]?.path[0];
    assert.deepEqual(step && { how: step.how, actions: step.actions }, { how: 'iam:CreateAccessKey', actions: ['ram:CreateAccessKey'] });
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('carol')], root);
    assert.equal(cli.status, 0, cli.out + cli.err);
    // Before the fix: `user/target  → user/target (iam:CreateAccessKey)`.
    assert.match(cli.out, /user\/target +→ user\/target \(ram:CreateAccessKey\)/);
    assert.doesNotMatch(cli.out, /\(iam:/);
  });

  it('who-can: the through path in RAM’s name', async () => {
    const cli = await cliAgainst(s, ['who-can', '--action', 'oss:GetObject', '--resource', `acs:oss:*:${ACS}:b/k`], root);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /user\/carol -\(ram:CreateAccessKey\)-> user\/target/);
    assert.doesNotMatch(cli.out, /-\(iam:/);
  });

  it('an aws account’s steps: in IAM’s names, as before', async () => {
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', 'arn:aws:iam::000000000000:user/qf6-dave']);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /user\/qf6-erin +→ user\/qf6-erin \(iam:CreateAccessKey\)/);
  });
});
