/**
 * Review qr, 9: every built-in managed policy may be attached in every account (the directory finds one by its ARN
 * whatever the account's partition; `acs:ram::system:policy/AdministratorAccess`, RAM's name, stands for the built-in
 * kept in aws form since review fn, 4), but escalation-paths asked its `iam:PolicyARN` questions about the built-ins of
 * the account's own partition only. In an `acs` account that left out AdministratorAccess: a RAM user allowed to attach
 * policies to itself on the condition that `iam:PolicyARN` is `arn:aws:iam::aws:policy/AdministratorAccess` (or any
 * pattern matching it) attaches it and may then do anything, while the report said `anyRight: false`, no gain: the
 * escalation analysis missed a one-step path to everything.
 *
 * Now the search asks about the built-ins that mean something in the account: its partition's, and in an `acs` account
 * AdministratorAccess and ReadOnlyAccess, which RAM names as its system policies (the other partition's others grant
 * nothing there, and listing them was noise: review mb, 3's reports stay as they were). Real server, SDK v3 for the
 * directory and the attach, the escalation-paths API. Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000910';
const user = (n: string) => `acs:ram::${ACS}:user/${n}`;
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

interface Report {
  readonly principal: string;
  readonly canGain: readonly { gain: { action: string; resource: string; gives: string; policy?: string } }[];
  readonly anyRight: boolean;
}

describe('review qr9: escalation-paths asks about the aws-form built-ins RAM names, in an acs account', () => {
  let s: TestServer;
  let root: Credentials;
  let adaKey: Credentials;
  before(async () => {
    s = await startTestServer();
    root = await acsAccount(s, ACS);
    const admin = s.iam(root);
    adaKey = await ramUser(admin, 'ada', { Effect: 'Allow', Action: 'ram:AttachPolicyToUser', Resource: user('ada'), Condition: { StringEquals: { 'iam:PolicyARN': ADMIN } } });
    admin.destroy();
  });
  after(() => s?.stop());

  const report = async (name: string): Promise<Report> => {
    const r = await gatehouseJson(s.url, root, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const found = (r.json['reports'] as Report[]).find((x) => x.principal === user(name));
    assert.ok(found, JSON.stringify(r.json));
    return found;
  };

  it('a RAM user that may attach AdministratorAccess to itself is reported as reaching any right', async () => {
    const r = await report('ada');
    assert.equal(r.anyRight, true, JSON.stringify(r));
    assert.ok(r.canGain.some((g) => g.gain.resource === user('ada') && g.gain.gives === 'any' && /AttachUserPolicy$/.test(g.gain.action)), JSON.stringify(r.canGain));
  });

  it('the gain is real: ada attaches AdministratorAccess, by RAM’s ARN for it, through the IAM API', async () => {
    const ada = s.iam(adaKey);
    await ada.send(new I.AttachUserPolicyCommand({ UserName: 'ada', PolicyArn: 'acs:ram::system:policy/AdministratorAccess' }));
    assert.deepEqual((await ada.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'ada' }))).AttachedPolicies?.map((p) => p.PolicyArn), [ADMIN]);
    ada.destroy();
  });
});
