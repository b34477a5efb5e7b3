/**
 * The escalation-paths suites on reaching a role by a pod (reviews fl, 2 and 5): in the root account, role `podder`
 * that the compute service may assume (so a pod may run as it), users with inline policies and access keys, and
 * cluster `k1` with an access entry, of no Kubernetes group, for some of them. Then the path escalation-paths answers
 * from a user to `podder`.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './resource-server.ts';
import type { Credentials, TestServer } from './server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
/** Role `podder`'s ARN. */
export const PODDER = `arn:aws:iam::${A}:role/podder`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

/** A step of an escalation path, as escalation-paths answers it. */
export interface Step {
  readonly how: string;
  readonly to: string;
  readonly via?: string;
  readonly actions: readonly string[];
}

/**
 * Sets up on `s` role `podder`, a user of each of `policies` (name → the statements of its inline policy `p`) with an
 * access key, and cluster `k1` with an access entry of no group for each of `entries`; answers the users' keys.
 */
export async function podderWorld(s: TestServer, policies: Readonly<Record<string, object[]>>, entries: readonly string[]): Promise<Record<string, Credentials>> {
  const keys: Record<string, Credentials> = {};
  const iam = s.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'podder', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  for (const [name, statements] of Object.entries(policies)) {
    await iam.send(new I.CreateUserCommand({ UserName: name }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(...statements) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
    keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  }
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [doc('Cluster', 'k1', {}), ...entries.map((n) => doc('AccessEntry', n, { cluster: 'k1', principalArn: user(n), kubernetesGroups: [] }))],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  return keys;
}

/** The path escalation-paths answers from user `name` to role `podder`, if any (200 asserted). */
export async function podPath(s: Pick<TestServer, 'url' | 'admin'>, name: string): Promise<readonly Step[] | undefined> {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const reports = r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[];
  return reports[0]?.canBecome.find((b) => b.principal === PODDER)?.path;
}
