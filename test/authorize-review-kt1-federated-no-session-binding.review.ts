/**
 * Review kt, finding 1: a federated user given no session policy was allowed through a binding to `allUsers`.
 *
 * A GetFederationToken session has no permissions without a session policy (reference §A.1.2 step 8; STS API
 * reference, GetFederationToken: "If you do not pass a policy to this operation, the resulting federated user session
 * has no permissions. The only exception is when the credentials are used to access a resource that has a
 * resource-based policy that specifically references the federated user session in the Principal element"). The IAM
 * engine decides so: a resource policy open to everyone (`Principal: "*"`) does not let such a session in (ImplicitDeny,
 * `deniedBy: session`). A binding's grant is cut by the principal's boundary and session policies as such a grant is
 * (src/app/authorize.ts `limited`), but the cut was skipped whenever the principal had no boundary and no session
 * policy, so the bare federated session, refused by the bucket policy naming `*`, was allowed by the binding to
 * `allUsers`: the union answered Allow for what IAM's own rule refuses.
 *
 * Now a federated user's missing session policy cuts a binding's grant as it cuts a resource policy's: ImplicitDeny,
 * `deniedBy: session`, and the reason says the session was given none. A federated session whose session policy allows
 * the request is still allowed by the binding. Real server (SQLite), AWS SDK v3 STS GetFederationToken, SigV4-signed
 * `/v1/iam-policies` and `/v1/authorize` (the session asked about by its GetCallerIdentity proof).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const MODEL = 'arn:aws:training::000000000000:model/kt1';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
let s: TestServer;
const sessions = new Map<string, Credentials>();

interface Answer {
  readonly decision: string;
  readonly reasons: string[];
  readonly diagnostics: string[];
  readonly deniedBy?: string;
}

async function ask(name: string): Promise<Answer> {
  const principalProof = `${s.url}/?${await identityProof(s.url, sessions.get(name) as Credentials)}`;
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof, action: 'training:GetModel', resource: MODEL });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
}

before(async () => {
  s = await startTestServer();
  // alice's own policies do not reach the model: only the binding below may grant it.
  const alice = await userWithPolicy(s, 'kt1-alice', doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }));
  const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['allUsers'] }] });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const sts = s.sts(alice);
  for (const [name, extra] of [['kt1-bare', {}], ['kt1-scoped', { Policy: doc({ Effect: 'Allow', Action: 'training:GetModel', Resource: '*' }) }]] as const) {
    const c = (await sts.send(new S.GetFederationTokenCommand({ Name: name, ...extra }))).Credentials;
    sessions.set(name, { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
  }
});
after(async () => s?.stop());

describe('kt1: a binding to allUsers and a federated user given no session policy', () => {
  it('does not let the session in: it has no permissions without a session policy', async () => {
    const a = await ask('kt1-bare');
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
    assert.equal(a.deniedBy, 'session', JSON.stringify(a));
    assert.ok([...a.reasons, ...a.diagnostics].some((r) => /no session policy/.test(r) && r.startsWith('bindings')), JSON.stringify(a));
  });

  it('lets in a federated session whose session policy allows the request', async () => {
    const a = await ask('kt1-scoped');
    assert.equal(a.decision, 'Allow', JSON.stringify(a));
    assert.ok(a.reasons.some((r) => r.startsWith('bindings') && r.includes('allUsers')), JSON.stringify(a.reasons));
  });
});
