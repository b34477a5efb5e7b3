/**
 * Review ii, 4: escalation-paths did not count tagging a principal out of its own Deny. AWS's ABAC guardrails deny
 * unless the principal carries a tag (`Deny … StringNotEquals aws:PrincipalTag/approved = yes`, or `Null
 * aws:PrincipalTag/approved = true`): a user allowed `iam:TagUser` on itself sets the tag and the Deny no longer applies,
 * so what its other policies allow is open to it. The report listed the removal of a tag such a Deny tests (review eq,
 * 3) but not this addition, and said nothing. It now lists the gain (`iam:TagUser` on the principal, `gives:
 * without-deny`, the tag in its reasons) when the tagging is allowed with that key and value; not when tagging is
 * refused, nor when the principal already carries the tag. The gain is then taken. Real server, SDK v3 IAM, authorize
 * API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains, type Gain } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const OBJECT = 'arn:aws:s3:::vault/k';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const read = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::vault/*' };
const unlessApproved = { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/approved': 'yes' } } };
const unlessTagged = { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Null: { 'aws:PrincipalTag/approved': 'true' } } };
const tagSelf = (n: string) => ({ Effect: 'Allow', Action: 'iam:TagUser', Resource: user(n) });

describe('review ii4: tagging a principal out of a Deny that tests a tag it lacks', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const users: Record<string, { statements: object[]; tags?: I.Tag[] }> = {
      guarded: { statements: [read, unlessApproved, tagSelf('guarded')] },
      nullGuarded: { statements: [read, unlessTagged, tagSelf('nullGuarded')] },
      plain: { statements: [read, unlessApproved] },
      approved: { statements: [read, unlessApproved, tagSelf('approved')], tags: [{ Key: 'approved', Value: 'yes' }] },
    };
    for (const [name, u] of Object.entries(users)) {
      await iam.send(new I.CreateUserCommand({ UserName: name, ...(u.tags ? { Tags: u.tags } : {}) }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...u.statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const gainsOf = (name: string): Promise<Gain[]> => escalationGains(s, user(name));

  it('a user who may tag itself out of its Deny gains what the Deny took away', async () => {
    for (const name of ['guarded', 'nullGuarded']) {
      const gains = await gainsOf(name);
      assert.deepEqual(gains.map((g) => [g.by, g.principal, g.action, g.resource, g.gives]), [[user(name), user(name), 'iam:TagUser', user(name), 'without-deny']], `${name}: ${JSON.stringify(gains)}`);
      assert.ok(gains[0]?.reasons.some((r) => r.includes('approved=')), JSON.stringify(gains));
    }
  });

  it('no tagging allowed, or the tag already carried: no gain', async () => {
    assert.deepEqual(await gainsOf('plain'), []);
    assert.deepEqual(await gainsOf('approved'), []);
  });

  it('the gain is real: the user tags itself and reads the object', async () => {
    const as = connectionTo(s.url, keys['guarded'] as Credentials);
    const ask = async () => {
      const r = await call<{ decision: string }>(as, 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: OBJECT } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.value.decision;
    };
    assert.equal(await ask(), 'ExplicitDeny');
    await s.iam(keys['guarded']).send(new I.TagUserCommand({ UserName: 'guarded', Tags: [{ Key: 'approved', Value: 'yes' }] }));
    assert.equal(await ask(), 'Allow');
  });
});
