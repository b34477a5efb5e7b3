/**
 * Review ii, 5: escalation-paths did not count removing a tag that a `Null` Deny tests. `Deny … Null
 * aws:PrincipalTag/quarantine = false` applies while the principal carries the tag, whatever its value, as `StringEquals
 * aws:PrincipalTag/quarantine = yes` applies while it carries `yes`: a user allowed `iam:UntagUser` on itself removes the
 * tag and the Deny stops applying. Review eq, 3 listed the removal for the second form and skipped every `Null` entry,
 * so the report said nothing of the first. It now lists the `Untag…` gain (`gives: without-deny`) for a `Null … false`
 * entry on a tag the principal carries; `Null … true` (a Deny that applies without the tag) is left to review ii, 4. The
 * gain is then taken. Real server, SDK v3 IAM, authorize API.
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
const whileQuarantined = { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Null: { 'aws:PrincipalTag/quarantine': 'false' } } };
const untagSelf = (n: string) => ({ Effect: 'Allow', Action: 'iam:UntagUser', Resource: user(n) });
const QUARANTINED = [{ Key: 'quarantine', Value: 'since-monday' }];

describe('review ii5: removing a tag a Null Deny tests', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const users: Record<string, { statements: object[]; tags?: I.Tag[] }> = {
      erin: { statements: [read, whileQuarantined, untagSelf('erin')], tags: QUARANTINED },
      frank: { statements: [read, whileQuarantined], tags: QUARANTINED },
      gina: { statements: [read, whileQuarantined, untagSelf('gina')] },
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

  it('a user who may remove the tag gains what the Deny took away', async () => {
    const gains = await gainsOf('erin');
    assert.deepEqual(gains.map((g) => [g.by, g.principal, g.action, g.resource, g.gives, g.policy]), [[user('erin'), user('erin'), 'iam:UntagUser', user('erin'), 'without-deny', 'aws:PrincipalTag/quarantine']], JSON.stringify(gains));
  });

  it('no untagging allowed, or no tag carried: no gain', async () => {
    assert.deepEqual(await gainsOf('frank'), []);
    assert.deepEqual(await gainsOf('gina'), []);
  });

  it('the gain is real: the user removes the tag and reads the object', async () => {
    const as = connectionTo(s.url, keys['erin'] as Credentials);
    const ask = async () => {
      const r = await call<{ decision: string }>(as, 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: OBJECT } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.value.decision;
    };
    assert.equal(await ask(), 'ExplicitDeny');
    await s.iam(keys['erin']).send(new I.UntagUserCommand({ UserName: 'erin', TagKeys: ['quarantine'] }));
    assert.equal(await ask(), 'Allow');
  });
});
