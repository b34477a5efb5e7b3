/**
 * AdmissionReviews as kube-apiserver sends them to `POST /k8s/{cluster}/admit`, for the webhook's tests: a pod CREATE by
 * an IAM user naming a role in `gatehouse.dev/role`, and the call with the cluster's bearer token.
 */
import assert from 'node:assert/strict';

let uid = 0;

/** A pod CREATE in namespace `ml` by the IAM user `user` of `account`, naming `role` in `gatehouse.dev/role`. */
export function podCreate(account: string, user: string, name: string, role: string): Record<string, unknown> {
  const arn = `arn:aws:iam::${account}:user/${user}`;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name,
      namespace: 'ml',
      operation: 'CREATE',
      userInfo: { username: arn, uid: `aws-iam-authenticator:${account}:AIDA`, groups: ['devs', 'system:authenticated'], extra: { arn: [arn] } },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', annotations: { 'gatehouse.dev/role': role } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** POSTs `body` to the admission webhook of cluster `cluster` with its bearer token; the review's `response`. */
export async function admit(serverUrl: string, cluster: string, bearer: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${serverUrl}/k8s/${cluster}/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['response'] as Record<string, unknown>;
}
