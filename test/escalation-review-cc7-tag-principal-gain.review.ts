/**
 * Review cc, 7 (left by review bz): escalation-paths did not count tagging a principal whose own policies grant by its
 * tags (`Condition StringEquals aws:PrincipalTag/clearance = high`, AWS's ABAC pattern). A user allowed `iam:TagUser`
 * on itself (or on a user it acts as) sets the tag and gets what those statements allow: the report said nothing. It
 * now lists the gain (`iam:TagUser` on the principal, `gives: tags`, the tags in its reasons) when the tagging is
 * allowed with those keys and values; not when the principal already carries them, nor when tagging is refused. The
 * gain is then taken: the user tags itself and is allowed what it was not. Real server, SDK v3 IAM, authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains, type Gain } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const OBJECT = 'arn:aws:s3:::vault/k';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const abac = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::vault/*', Condition: { StringEquals: { 'aws:PrincipalTag/clearance': 'high' } } };

describe('review cc7: tagging a principal whose policies grant by tag', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const users: Record<string, { statements: object[]; tags?: I.Tag[] }> = {
      selfTagger: { statements: [abac, { Effect: 'Allow', Action: 'iam:TagUser', Resource: user('selfTagger') }] },
      plain: { statements: [abac] },
      cleared: { statements: [abac, { Effect: 'Allow', Action: 'iam:TagUser', Resource: user('cleared') }], tags: [{ Key: 'clearance', Value: 'high' }] },
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

  it('a user who may tag itself with the tag its policies grant by gains those rights', async () => {
    const gains = await gainsOf('selfTagger');
    assert.deepEqual(gains.map((g) => [g.by, g.principal, g.action, g.resource, g.gives]), [[user('selfTagger'), user('selfTagger'), 'iam:TagUser', user('selfTagger'), 'tags']]);
    assert.ok(gains[0]?.reasons.some((r) => r.includes('clearance=high')), JSON.stringify(gains));
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('selfTagger')]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, /what its policies grant by tag/);
  });

  it('no tagging allowed, or the tag already carried: no gain', async () => {
    assert.deepEqual(await gainsOf('plain'), []);
    assert.deepEqual(await gainsOf('cleared'), []);
  });

  it('the gain is real: the user tags itself and reads the object', async () => {
    const as = connectionTo(s.url, keys['selfTagger'] as Credentials);
    const ask = async () => {
      const r = await call<{ decision: string }>(as, 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: OBJECT } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.value.decision;
    };
    assert.equal(await ask(), 'ImplicitDeny');
    await s.iam(keys['selfTagger']).send(new I.TagUserCommand({ UserName: 'selfTagger', Tags: [{ Key: 'clearance', Value: 'high' }] }));
    assert.equal(await ask(), 'Allow');
  });
});
