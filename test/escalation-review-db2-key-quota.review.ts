/**
 * Review db, 2: escalation-paths listed `iam:CreateAccessKey` on a user as a way to act as it even when that user already
 * held its quota of two access keys: CreateAccessKey is then refused (LimitExceeded) until a key is deleted, so a
 * principal allowed CreateAccessKey alone had no such path (PMapper asks `iam:DeleteAccessKey` too in that case). The
 * step is now listed for a user at its quota only with `iam:DeleteAccessKey` on it, both actions named. Each answer is
 * then checked for real through the IAM API. Real server, SDK v3 IAM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review db2: minting a key for a user that holds two', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  const held: string[] = [];
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const name of ['full', 'half']) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    }
    held.push((await iam.send(new I.CreateAccessKeyCommand({ UserName: 'full' }))).AccessKey?.AccessKeyId ?? '');
    await iam.send(new I.CreateAccessKeyCommand({ UserName: 'full' }));
    await iam.send(new I.CreateAccessKeyCommand({ UserName: 'half' }));
    const users: Record<string, object[]> = {
      minter: [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: [user('full'), user('half')] }],
      rotator: [{ Effect: 'Allow', Action: ['iam:CreateAccessKey', 'iam:DeleteAccessKey'], Resource: user('full') }],
    };
    for (const [name, statements] of Object.entries(users)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const becomes = async (name: string): Promise<[string, readonly string[]][]> => {
    const r = await call<{ reports: { canBecome: { principal: string; path: { actions: string[] }[] }[] }[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return (r.value.reports[0]?.canBecome ?? []).map((b) => [b.principal, b.path.flatMap((p) => p.actions)]);
  };

  it('CreateAccessKey alone reaches the user with one key, not the one with two; the IAM API agrees', async () => {
    assert.deepEqual(await becomes('minter'), [[user('half'), ['iam:CreateAccessKey']]]);
    const iam = s.iam(keys['minter'] as Credentials);
    assert.equal(await errorName(iam.send(new I.CreateAccessKeyCommand({ UserName: 'full' }))), 'LimitExceededException');
    assert.ok((await iam.send(new I.CreateAccessKeyCommand({ UserName: 'half' }))).AccessKey?.SecretAccessKey);
  });

  it('with DeleteAccessKey too, the user with two keys is reached, both actions named; the IAM API agrees', async () => {
    assert.deepEqual(await becomes('rotator'), [[user('full'), ['iam:DeleteAccessKey', 'iam:CreateAccessKey']]]);
    const iam = s.iam(keys['rotator'] as Credentials);
    await iam.send(new I.DeleteAccessKeyCommand({ UserName: 'full', AccessKeyId: held[0] }));
    assert.ok((await iam.send(new I.CreateAccessKeyCommand({ UserName: 'full' }))).AccessKey?.SecretAccessKey);
  });
});
