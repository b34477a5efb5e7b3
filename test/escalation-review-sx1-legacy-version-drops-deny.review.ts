/**
 * Review sx, 1: escalation-paths did not list `iam:SetDefaultPolicyVersion` to a version that differs from the default
 * only in its `Version` element, though that version allows more. A Deny statement with a policy variable
 * (`Resource: arn:aws:s3:::sx1/${aws:username}/*`, "no one deletes their own archive") denies under `2012-10-17`; under
 * `2008-10-17`, or with no `Version`, the variable is a literal string (reference/policy-semantics.md §A.1.1,
 * IAM User Guide "Version": "policy variables … are treated as literal strings"), so the same Deny matches no real
 * object and the version allows what the default denies. `widerVersions` held the version no wider when each Deny of
 * the default was a statement of the version, compared as text, without asking whether the two documents read its
 * variables alike (their Allow statements it already compared so). The same comparison decides whether a new
 * permissions boundary may allow more than the current one (`mayWiden`), so replacing a boundary by its legacy twin is
 * listed too now. Each answer is taken for real: the user sets the version, and the authorize API turns from Deny to
 * Allow on its own archive. Real server (SQLite), SDK v3 IAM and the authorize API in process.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { escalationGains } from './support/escalation.ts';
import { widerVersions } from '../src/app/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const policyArn = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const STATEMENTS = [
  { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::sx1/*' },
  { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::sx1/${aws:username}/*' },
];
const CURRENT = JSON.stringify({ Version: '2012-10-17', Statement: STATEMENTS });
const LEGACY = JSON.stringify({ Version: '2008-10-17', Statement: STATEMENTS });
const NO_VERSION = JSON.stringify({ Statement: STATEMENTS });

describe('review sx1: a version whose Version makes a Deny\'s variable literal allows more than the default', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'archive', PolicyDocument: CURRENT }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn('archive'), PolicyDocument: LEGACY }));
    // Control: a second version in the same Version, allowing nothing more.
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'same', PolicyDocument: CURRENT }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn('same'), PolicyDocument: CURRENT }));
    for (const [name, attached] of [['ana', 'archive'], ['bo', 'same']] as const) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.AttachUserPolicyCommand({ UserName: name, PolicyArn: policyArn(attached) }));
      const write = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:SetDefaultPolicyVersion', Resource: policyArn(attached) }] });
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'versions', PolicyDocument: write }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const mayDeleteOwn = async (name: string): Promise<string> =>
    String((await gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/authorize', { action: 's3:DeleteObject', resource: `arn:aws:s3:::sx1/${name}/old.tar` })).json['decision']);

  it('widerVersions lists a 2008-10-17 or Version-less twin of a default with a variable in its Deny, not a 2012-10-17 one', () => {
    const v = (versionId: string, document: string, isDefault = false) => ({ versionId, document, isDefault, created: '2026-12-07T00:00:00Z' });
    assert.deepEqual(widerVersions([v('v1', CURRENT, true), v('v2', LEGACY), v('v3', NO_VERSION), v('v4', CURRENT)]).map((x) => x.versionId), ['v2', 'v3']);
  });

  it('the path is listed, and taken: the user sets the legacy version and deletes its own archive', async () => {
    const gains = (await escalationGains(s, user('ana'))).filter((g) => g.action === 'iam:SetDefaultPolicyVersion');
    assert.deepEqual(gains.map((g) => [g.resource, g.gives, (g as { versions?: string[] }).versions]), [[policyArn('archive'), 'policy', ['v2']]]);
    assert.equal(await mayDeleteOwn('ana'), 'ExplicitDeny');
    await s.iam(keys['ana']).send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: policyArn('archive'), VersionId: 'v2' }));
    assert.equal(await mayDeleteOwn('ana'), 'Allow');
  });

  it('a version in the same Version as the default is still no path', async () => {
    assert.deepEqual((await escalationGains(s, user('bo'))).filter((g) => g.action === 'iam:SetDefaultPolicyVersion'), []);
    assert.equal(await mayDeleteOwn('bo'), 'ExplicitDeny');
  });
});
