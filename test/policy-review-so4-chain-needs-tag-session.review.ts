/**
 * Review so, 4. A session carrying transitive session tags passes them to the session it assumes (reference/
 * policy-semantics.md §A.1.9), and STS then asks the next role's trust policy for `sts:TagSession` beside
 * `sts:AssumeRole`, even when the request passes no tag (src/app/sts.ts, review fb, 2: AWS refuses such a chain "is not
 * authorized to perform: sts:TagSession"). The authorize API (and `POST /v1/simulate`) decided `sts:AssumeRole` alone on
 * a role, "as STS decides it", so a session with a transitive tag, asking about itself (or by its `principalProof`), was
 * answered Allow on a role whose trust policy allows only `sts:AssumeRole`, where AssumeRole refuses it. Issue 8: the
 * answers come "from the same code path as enforcement". (Review so, 3 is the same for a source identity.)
 *
 * Now an `sts:AssumeRole` question about a session whose transitive tags the new session would carry is allowed only
 * where `sts:TagSession` on the role is allowed too, saying so. A session whose tags are not transitive is decided as
 * before. Real server (SQLite), STS and IAM SDK v3, the authorize API signed with the sessions' credentials.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const HOP = `arn:aws:iam::${A}:role/so4-hop`;
const NEXT = `arn:aws:iam::${A}:role/so4-next`;
const BOTH = `arn:aws:iam::${A}:role/so4-both`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const creds = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: Error) => e.name);

let s: TestServer;
let carried: Credentials;
let tagged: Credentials;

const ask = async (as: Credentials, path: string, resource: string): Promise<{ decision: string; reasons: string[] }> => {
  const r = await gatehouseJson(s.url, as, 'POST', path, { action: 'sts:AssumeRole', resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; reasons: string[] };
};

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'so4-hop', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'so4-hop', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'so4-next', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: HOP }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'so4-both', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: HOP }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
  const sts = s.sts();
  carried = creds((await sts.send(new S.AssumeRoleCommand({ RoleArn: HOP, RoleSessionName: 'carried-1', Tags: [{ Key: 'team', Value: 'ml' }], TransitiveTagKeys: ['team'] }))).Credentials);
  tagged = creds((await sts.send(new S.AssumeRoleCommand({ RoleArn: HOP, RoleSessionName: 'tagged-1', Tags: [{ Key: 'team', Value: 'ml' }] }))).Credentials);
});

after(async () => {
  await s?.stop();
});

describe('review so4: the next hop of a session with transitive tags needs sts:TagSession, in a question too', () => {
  it('a session with a transitive tag is refused a role whose trust allows only sts:AssumeRole, by STS and by the answers', async () => {
    assert.equal(await failure(s.sts(carried).send(new S.AssumeRoleCommand({ RoleArn: NEXT, RoleSessionName: 'next' }))), 'AccessDenied');
    for (const path of ['/v1/authorize', '/v1/simulate']) {
      const a = await ask(carried, path, NEXT);
      assert.equal(a.decision, 'ImplicitDeny', `${path}: ${JSON.stringify(a)}`);
      assert.ok(a.reasons.some((r) => r.includes('sts:TagSession')), JSON.stringify(a));
    }
  });

  it('where the trust allows both, or the tags are not transitive, AssumeRole is allowed as before', async () => {
    assert.equal(await failure(s.sts(carried).send(new S.AssumeRoleCommand({ RoleArn: BOTH, RoleSessionName: 'next' }))), 'ok');
    assert.equal((await ask(carried, '/v1/authorize', BOTH)).decision, 'Allow');
    assert.equal(await failure(s.sts(tagged).send(new S.AssumeRoleCommand({ RoleArn: NEXT, RoleSessionName: 'next' }))), 'ok');
    assert.equal((await ask(tagged, '/v1/authorize', NEXT)).decision, 'Allow');
    assert.equal((await ask(tagged, '/v1/simulate', NEXT)).decision, 'Allow');
  });
});
