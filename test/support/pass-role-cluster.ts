/**
 * A server with cluster `k1` whose admission webhook the kube reviews call: role `/ml/Trainer` (trusted by the compute
 * service), user alice who may pass it and user bob who may not, both mapped to group `devs` by access entries, each
 * as kube-apiserver hands admission a user (`reviewedUser`, through the TokenReview webhook).
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit, reviewedUser, type UserInfo } from './admission.ts';
import { gatehouseJson } from './resource-server.ts';
import { startTestServer, type TestServer } from './server.ts';

export interface PassRoleCluster {
  readonly server: TestServer;
  readonly acct: string;
  readonly alice: UserInfo;
  readonly bob: UserInfo;
  /** An AdmissionReview to `/k8s/k1/admit` with the cluster's bearer token; its `response`. */
  admit(body: unknown): Promise<Record<string, unknown>>;
}

export async function passRoleCluster(): Promise<PassRoleCluster> {
  const server = await startTestServer();
  const acct = server.adminFile.AccountId;
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
  await server.iam().send(
    new I.CreateRoleCommand({
      RoleName: 'Trainer',
      Path: '/ml/',
      AssumeRolePolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' })),
    }),
  );
  const entry = (user: string) => doc('AccessEntry', user, { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/${user}`, kubernetesGroups: ['devs'] });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'alice', { inlinePolicies: { pass: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${acct}:role/ml/Trainer` }) } }),
      entry('alice'),
      doc('User', 'bob', {}),
      entry('bob'),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  const bearer = String(config.json['token']);
  const keyOf = async (u: string) => {
    const k = (await server.iam().send(new I.CreateAccessKeyCommand({ UserName: u }))).AccessKey;
    return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  };
  const alice = await reviewedUser(server.url, 'k1', bearer, await keyOf('alice'));
  const bob = await reviewedUser(server.url, 'k1', bearer, await keyOf('bob'));
  return { server, acct, alice, bob, admit: (body) => admit(server.url, 'k1', bearer, body) };
}
