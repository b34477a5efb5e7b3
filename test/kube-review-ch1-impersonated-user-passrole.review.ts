/**
 * Review ch, finding 1: pod admission took the IAM identity of a plain IAM user who passes a role (`gatehouse.dev/role`)
 * from `userInfo.extra.arn`, or else from an access entry whose username is `userInfo.username`. Kubernetes
 * impersonation sets both: `kubectl --as=arn:aws:iam::A:user/alice` (RBAC `impersonate` on `users`) or
 * `--as-user-extra arn=…` made the webhook decide iam:PassRole with alice's IAM rights, so a Kubernetes permission
 * became alice's IAM rights. Now Gatehouse's TokenReview seals a plain user's identity (ARN, unique id, key) for the
 * cluster into `extra`, as it seals a session's, and admission takes a passer's identity only from sealed facts it can
 * open for that cluster; without them a pod naming a role is refused, saying to get a fresh token.
 * Real server (SQLite); a real `k8s-aws-v1.` token through /k8s/{cluster}/authenticate; AdmissionReview v1 to /admit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit as admitTo, podCreate, reviewedUser, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
let alice: Credentials;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const admit = (body: unknown) => admitTo(server.url, 'k1', bearer, body);
const aliceArn = () => `arn:aws:iam::${acct}:user/alice`;

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  await server.iam().send(
    new I.CreateRoleCommand({
      RoleName: 'trainer',
      AssumeRolePolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' })),
    }),
  );
  const entry = (user: string) => doc('AccessEntry', user, { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/${user}`, kubernetesGroups: ['devs'] });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Cluster', 'k2', {}),
      // alice may pass the role; bob may not.
      doc('User', 'alice', { inlinePolicies: { pass: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${acct}:role/trainer` }) } }),
      entry('alice'),
      doc('User', 'bob', {}),
      entry('bob'),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const key = (await server.iam().send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
  alice = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
});
after(() => server?.stop());

describe('a passer’s IAM identity comes only from sealed TokenReview facts (review ch, 1)', () => {
  it('`kubectl --as=<alice’s ARN>` (username and extra.arn, nothing sealed): refused, saying to authenticate through the TokenReview', async () => {
    const r = await admit(podCreate(acct, 'alice', 'p-as', 'trainer'));
    // Before the fix: admitted, passed-by alice.
    assert.equal(r['allowed'], false, JSON.stringify(r));
    const message = String((r['status'] as { message?: string } | undefined)?.message ?? '');
    assert.match(message, /^check permission for ram role failed: /);
    assert.match(message, /no IAM identity sealed by Gatehouse's TokenReview for cluster k1/);
    assert.match(message, /gatehouse kube token/);
  });

  it('the username alone (an access entry’s default username, no extra): refused too', async () => {
    const body = podCreate(acct, 'alice', 'p-name', 'trainer', { username: aliceArn(), groups: ['devs', 'system:authenticated'], extra: {} });
    const r = await admit(body);
    // Before the fix: admitted through the access entry whose username matched.
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.match(String((r['status'] as { message?: string } | undefined)?.message ?? ''), /no IAM identity sealed by Gatehouse's TokenReview/);
  });

  it('alice’s own token through TokenReview: the user it yields is admitted, as alice', async () => {
    const user = await reviewedUser(server.url, 'k1', bearer, alice);
    assert.equal(user.extra['arn']?.[0], aliceArn());
    assert.equal(user.extra['gatehouse.dev/user']?.length, 1, 'the TokenReview seals the user’s identity');
    const r = await admit(podCreate(acct, 'alice', 'p-real', 'trainer', user));
    assert.equal(r['allowed'], true, JSON.stringify(r));
    assert.equal((r['auditAnnotations'] as Record<string, string>)['passed-by'], aliceArn());
  });

  it('alice’s sealed facts under another user’s name, or another cluster’s: refused', async () => {
    const user: UserInfo = await reviewedUser(server.url, 'k1', bearer, alice);
    const bobArn = `arn:aws:iam::${acct}:user/bob`;
    const asBob = await admit(podCreate(acct, 'bob', 'p-bob', 'trainer', { ...user, username: bobArn, extra: { ...user.extra, arn: [bobArn] } }));
    assert.equal(asBob['allowed'], false, JSON.stringify(asBob));
    assert.match(JSON.stringify(asBob), /sealed identity of another principal/);
    const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k2/webhook-config', {});
    assert.equal(config.status, 200, JSON.stringify(config.json));
    const other = await admitTo(server.url, 'k2', String(config.json['token']), podCreate(acct, 'alice', 'p-k2', 'trainer', user));
    assert.equal(other['allowed'], false, JSON.stringify(other));
    assert.match(JSON.stringify(other), /did not seal for cluster k2/);
  });
});
