/**
 * Review fl, 4: who-can's `through` (review dv, 2) listed who can come to act as each role allowed, and nothing for a
 * user allowed, though escalation-paths' search, which `through` reuses, finds who can come to act as a user too: a
 * principal allowed `iam:CreateAccessKey` on it mints its key and signs as it (AWS's and Rhino Security's lists of
 * escalations). With alice the only user whose policy reads the object and bob allowed to mint alice's key, the
 * answer to "who can read it" listed alice with no one through her, while bob reads it a step later. Each user
 * allowed now lists in `through` the users and roles that can come to act as it, with the path (`iam:CreateAccessKey`,
 * or any longer one), bounded as a role's, and `gatehouse who-can` prints them with the roles'. Followed: bob mints
 * alice's key and the authorize API allows the read as alice; carol, allowed no such step, is listed through no one.
 * Before the fix the first two tests failed (the CLI's is first: once bob has minted a key, alice holds her quota of two and bob's step needs `iam:DeleteAccessKey`, review db, 2). Real server (SQLite), SDK v3 IAM, admin API (SigV4), the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const OBJECT = 'arn:aws:s3:::fl4-data/train/x';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Allowed {
  readonly kind: string;
  readonly name: string;
  readonly through?: readonly { readonly principal: string; readonly path: readonly { readonly how: string; readonly to: string }[] }[];
}

describe('review fl4: who-can lists who can come to act as each user allowed', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const policies: Record<string, object> = {
      alice: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fl4-data/*' },
      bob: { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: user('alice') },
      carol: { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' },
    };
    for (const [name, statement] of Object.entries(policies)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(statement) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const allowed = async (): Promise<Allowed[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['allowed'] as Allowed[];
  };

  it('gatehouse who-can prints bob through alice (before he mints her second key, which leaves her at the quota)', async () => {
    const r = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /^user +bob +user\/alice +user\/bob -\(iam:CreateAccessKey\)-> user\/alice$/m);
  });

  it('a user allowed lists who may mint its key, with the step; the one who may is then allowed as it', async () => {
    const alice = (await allowed()).find((a) => a.kind === 'user' && a.name === 'alice');
    const bob = alice?.through?.find((t) => t.principal === user('bob'));
    assert.deepEqual(bob?.path.map((p) => [p.how, p.to]), [['iam:CreateAccessKey', user('alice')]]);
    assert.equal(alice?.through?.some((t) => t.principal === user('carol')), false, 'carol may take no step to alice');
    // Followed: bob mints alice's key with his own, and the read is allowed as alice.
    const minted = (await s.iam(keys['bob']).send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    const asAlice = { accessKeyId: minted?.AccessKeyId ?? '', secretAccessKey: minted?.SecretAccessKey ?? '' };
    const a = await gatehouseJson(s.url, asAlice, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(a.json['decision'], 'Allow', JSON.stringify(a.json));
    const own = await gatehouseJson(s.url, keys['bob'] as Credentials, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(own.json['decision'], 'ImplicitDeny', 'bob himself may not: only as alice');
  });

  it('carol, who can come to act as no one allowed, is listed through no one', async () => {
    for (const a of await allowed()) assert.equal(a.through?.some((t) => t.principal === user('carol')) ?? false, false, `${a.name}`);
  });
});
