/**
 * Review kd, 3, against a real server (SDK v3 STS GetFederationToken, SigV4-signed `/v1/authorize`): the explanation of
 * a refusal of a federated user given no session policy says so, instead of blaming a session policy it does not have.
 *
 * A federated user's session has no permissions without a session policy (reference §A.1.2, step 8: "A federated-user
 * session with no session policy has no permissions: GetFederationToken requires a session policy"; STS API reference,
 * GetFederationToken: "If you do not pass a policy to this operation, the resulting federated user session has no
 * permissions"). Gatehouse decides so (ImplicitDeny, `deniedBy: session`).
 *
 * What was wrong: the reason read "iam: ImplicitDeny: the session policy does not allow this request" (and, where a
 * resource policy named the IAM user that federated, "… but the session policy does not"): no session policy exists, so
 * whoever debugs it looks for one to fix, and the cure (pass one to GetFederationToken) is nowhere said.
 *
 * What is now so: the reason says that the session was given no session policy, that a federated user has no
 * permissions without one, and that GetFederationToken's `Policy`/`PolicyArns` give them; a session that has one and
 * does not allow the request is explained as before.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
let s: TestServer;
const sessions = new Map<string, Credentials>();

async function ask(name: string): Promise<{ decision: string; reasons: string[]; deniedBy?: string }> {
  // Asked about the session itself (its proof), as a resource server asks: it carries its session policy or none.
  const principalProof = `${s.url}/?${await identityProof(s.url, sessions.get(name) as Credentials)}`;
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof, action: 's3:GetObject', resource: 'arn:aws:s3:::kd3-data/k' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as { decision: string; reasons: string[]; deniedBy?: string };
}

before(async () => {
  s = await startTestServer();
  const alice = await userWithPolicy(s, 'kd3-alice', doc({ Effect: 'Allow', Action: ['s3:*', 'sts:GetFederationToken'], Resource: '*' }));
  const sts = s.sts(alice);
  for (const [name, extra] of [['kd3-bare', {}], ['kd3-scoped', { Policy: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }) }]] as const) {
    const c = (await sts.send(new S.GetFederationTokenCommand({ Name: name, ...extra }))).Credentials;
    sessions.set(name, { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
  }
});
after(async () => s?.stop());

describe('kd3: a federated user given no session policy', () => {
  it('is refused, and the reason says it was given no session policy, not that one does not allow', async () => {
    const a = await ask('kd3-bare');
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
    assert.equal(a.deniedBy, "session", JSON.stringify(a));
    const iam = a.reasons.find((r) => r.startsWith('iam: ')) ?? '';
    assert.doesNotMatch(iam, /the session policy does not allow/, JSON.stringify(a.reasons));
    assert.match(iam, /no session policy/, JSON.stringify(a.reasons));
    assert.match(iam, /GetFederationToken/, JSON.stringify(a.reasons));
  });

  it('one whose session policy does not allow the request is explained as before', async () => {
    const a = await ask('kd3-scoped');
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
    assert.equal(a.deniedBy, "session", JSON.stringify(a));
    assert.ok(a.reasons.some((r) => r.includes('the session policy does not allow this request')), JSON.stringify(a.reasons));
  });
});
