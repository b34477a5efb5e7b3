import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTION_PERMISSIONS, actionsForPermission, RELATED_ACTION_PERMISSIONS, isKubernetesObjectRequest, permissionForAction, permissionForKubernetes } from './actions.ts';

const table: [string, string | undefined][] = [
  ['s3:GetObject', 'storage.objects.get'],
  ['S3:getobject', 'storage.objects.get'],
  ['s3:PutObject', 'storage.objects.create'],
  ['s3:ListBucket', 'storage.objects.list'],
  ['oss:GetObject', 'storage.objects.get'],
  ['training:CreateJob', 'ml.jobs.create'],
  ['pai:CreateJob', 'ml.jobs.create'],
  ['training:InvokeModel', 'ml.models.predict'],
  ['training:GetCluster', 'container.clusters.get'],
  ['eks:DescribeCluster', 'container.clusters.get'],
  ['iam:PassRole', 'iam.serviceAccounts.actAs'],
  ['ram:PassRole', 'iam.serviceAccounts.actAs'],
  // STS never consults bindings: no permission answers AssumeRole (review N6).
  ['sts:AssumeRole', undefined],
  ['sts:AssumeRoleWithWebIdentity', undefined],
  ['s3:*', undefined],
  ['s3:GetObjectAcl', 'storage.objects.getIamPolicy'],
  ['s3:DeleteBucketPolicy', 'storage.buckets.setIamPolicy'],
  // An object's tags and versions (review hs, 2).
  ['s3:GetObjectTagging', 'storage.objects.get'],
  ['s3:GetObjectVersion', 'storage.objects.get'],
  ['s3:PutObjectTagging', 'storage.objects.update'],
  ['s3:DeleteObjectVersion', 'storage.objects.delete'],
  // Setting an object's and a bucket's ACL (review ox, 1).
  ['s3:PutObjectAcl', 'storage.objects.setIamPolicy'],
  ['s3:PutBucketAcl', 'storage.buckets.setIamPolicy'],
  ['constructor', undefined],
  ['', undefined],
];
for (const [action, want] of table) {
  test(`permissionForAction(${JSON.stringify(action)}) is ${want ?? 'none'}`, () => assert.equal(permissionForAction(action), want));
}

test('the action table names each action once (ignoring case)', () => {
  const actions = [...ACTION_PERMISSIONS, ...RELATED_ACTION_PERMISSIONS].map(([a]) => a.toLowerCase());
  assert.equal(new Set(actions).size, actions.length);
});

const kube: [{ verb: string; resource: string; subresource?: string }, string | undefined][] = [
  [{ verb: 'get', resource: 'pods' }, 'container.pods.get'],
  [{ verb: 'watch', resource: 'pods' }, 'container.pods.list'],
  [{ verb: 'patch', resource: 'deployments' }, 'container.deployments.update'],
  [{ verb: 'deletecollection', resource: 'jobs' }, 'container.jobs.delete'],
  [{ verb: 'get', resource: 'configmaps' }, 'container.configMaps.get'],
  [{ verb: 'create', resource: 'pods', subresource: 'exec' }, 'container.pods.exec'],
  [{ verb: 'get', resource: 'pods', subresource: 'log' }, 'container.pods.getLogs'],
  [{ verb: 'get', resource: 'pods', subresource: 'status' }, undefined],
  [{ verb: 'get', resource: 'pods', subresource: '__proto__' }, undefined],
  [{ verb: 'update', resource: 'namespaces' }, undefined],
  [{ verb: 'escalate', resource: 'roles' }, undefined],
  [{ verb: 'toString', resource: 'pods' }, undefined],
];
for (const [req, want] of kube) {
  test(`permissionForKubernetes(${JSON.stringify(req)}) is ${want ?? 'none'}`, () => assert.equal(permissionForKubernetes(req), want));
}

test('actionsForPermission answers every action of the table that needs the permission, and only those', () => {
  assert.deepEqual([...actionsForPermission('storage.objects.get')].sort(), ['oss:GetObject', 's3:GetObject']);
  assert.deepEqual([...actionsForPermission('iam.serviceAccounts.actAs')].sort(), ['iam:PassRole', 'ram:PassRole']);
  assert.deepEqual(actionsForPermission('storage.objects.getIamPolicy'), []);
  assert.deepEqual(actionsForPermission('__proto__'), []);
  for (const [a, p] of ACTION_PERMISSIONS) assert.ok(actionsForPermission(p).includes(a), `${p} → ${a}`);
});

const C = 'arn:aws:training::000000000000:cluster/c1';
const objects: [string, string, boolean][] = [
  ['container.secrets.get', `${C}/namespaces/team/secrets/db`, true],
  ['container.pods.exec', `${C}/namespaces/team/pods/p1`, true],
  ['container.configMaps.list', `${C}/namespaces/team/configmaps`, true],
  ['container.pods.get', 'acs:pai::000000000000:cluster/c1/namespaces/team/pods/p1', true],
  ['container.pods.get', C, true],
  ['container.clusters.get', C, false],
  ['container.clusters.getCredentials', C, false],
  ['container.namespaces.update', `${C}/namespaces/team`, false],
  ['container.pods.get', 'arn:aws:eks:us-east-1:000000000000:cluster/c1', false],
  ['storage.objects.get', 'arn:aws:s3:::b/k', false],
];
for (const [permission, resource, want] of objects) {
  test(`isKubernetesObjectRequest(${permission}, ${resource}) is ${want}`, () => assert.equal(isKubernetesObjectRequest(permission, resource), want));
}
