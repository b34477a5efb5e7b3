/**
 * Review do, finding 2: an access entry's username template may use `{{AccessKeyID}}` (DESIGN.md "Kubernetes
 * webhooks", as EKS), which the TokenReview webhook renders with the key the token was signed with. The authorize
 * API's RBAC engine rendered it empty, always: a RoleBinding to the user `ak-<key id>` that the webhook honours was
 * never found for a `kubernetes:` question, even one the principal signed itself. Now the RBAC engine renders it with
 * the question's `acs:AccessId`: the key the asker signed with when the question is its own, the key that signed a
 * `principalProof`, or, for a principal named by ARN, the value the question's context gives (absent: empty, as
 * before, so such a binding is not found and grants nothing).
 * Real server (SQLite), the admin API (`/v1/apply`, access entries), SigV4-signed /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson, identityProof } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let acct = '';
let alice: Credentials;
let aliceArn = '';

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  aliceArn = `arn:aws:iam::${acct}:user/alice`;
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'ask', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' }] }) }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
  alice = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  const apply = async (body: unknown) => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  await apply({ documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  await apply({
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name: 'by-key', namespace: 'ml' }, subjects: [{ kind: 'User', name: `ak-${alice.accessKeyId}`, apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'pod-reader', apiGroup: GROUP } },
    ],
  });
  const e = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: aliceArn, kubernetesGroups: [], username: 'ak-{{AccessKeyID}}' });
  assert.ok(e.status < 300, JSON.stringify(e.json));
});

after(async () => {
  await server?.stop();
});

async function decide(who: Credentials, body: Record<string, unknown>): Promise<string> {
  const r = await gatehouseJson(server.url, who, 'POST', '/v1/authorize', { action: 'kubernetes:get', resource: `arn:aws:training::${acct}:cluster/k1/namespaces/ml/pods/p`, ...body });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
}

describe('{{AccessKeyID}} in the authorize API’s RBAC decisions (review do, 2)', () => {
  it('a question the principal signs itself: the key it signed with', async () => {
    assert.equal(await decide(alice, {}), 'Allow');
  });

  it('a principalProof: the key that signed the proof', async () => {
    assert.equal(await decide(server.admin, { principalProof: `${server.url}/?${await identityProof(server.url, alice)}` }), 'Allow');
  });

  it('a principal named by ARN: the acs:AccessId its context gives; none, empty (no binding found)', async () => {
    assert.equal(await decide(server.admin, { principal: aliceArn, context: { 'acs:AccessId': alice.accessKeyId } }), 'Allow');
    assert.equal(await decide(server.admin, { principal: aliceArn, context: { 'acs:AccessId': 'AKIAOTHERKEY00000000' } }), 'ImplicitDeny');
    assert.equal(await decide(server.admin, { principal: aliceArn }), 'ImplicitDeny');
  });
});
