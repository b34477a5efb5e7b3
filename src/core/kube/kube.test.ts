import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  annotationPatch,
  BUILT_IN_CONTROLLERS,
  builtInGrantServes,
  decodeToken,
  defaultUsername,
  encodeToken,
  entryCandidates,
  envPatch,
  kubernetesResource,
  parseKubernetesResource,
  parseAccessEntrySpec,
  parseSubjectAccessReview,
  renderUsername,
  usernameMatch,
  roleAnnotation,
} from './index.ts';

const OWN = { own: ['127.0.0.1:8470'] };
const Q = 'Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=abc';

describe('k8s-aws-v1 tokens', () => {
  test('accepted: this server (http or https), sts.amazonaws.com, a regional STS host', () => {
    for (const url of [`http://127.0.0.1:8470/?${Q}`, `https://sts.amazonaws.com/?${Q}`, `https://sts.eu-west-1.amazonaws.com/?${Q}`, `https://sts.amazonaws.com:443/?${Q}`]) {
      const r = decodeToken(encodeToken(url), OWN);
      assert.ok(r.ok, url);
      assert.equal(r.value.target, `/?${Q}`);
    }
  });
  const bad: [string, string, RegExp][] = [
    ['another prefix', `k8s-aws-v2.${Buffer.from(`https://sts.amazonaws.com/?${Q}`).toString('base64url')}`, /does not start with/],
    ['a foreign host', encodeToken(`https://evil.example.com/?${Q}`), /host `evil.example.com`/],
    ['a look-alike host', encodeToken(`https://sts.amazonaws.com.evil.example/?${Q}`), /host/],
    ['plain http to STS', encodeToken(`http://sts.amazonaws.com/?${Q}`), /must be https/],
    ['another path', encodeToken(`https://sts.amazonaws.com/x?${Q}`), /path must be/],
    ['another action', encodeToken(`https://sts.amazonaws.com/?${Q.replace('GetCallerIdentity', 'AssumeRole')}`), /GetCallerIdentity/],
    ['an extra parameter', encodeToken(`https://sts.amazonaws.com/?${Q}&RoleArn=x`), /`RoleArn` is not allowed/],
    ['a repeated parameter', encodeToken(`https://sts.amazonaws.com/?${Q}&Action=GetCallerIdentity`), /appears twice/],
    ['the cluster header not signed', encodeToken(`https://sts.amazonaws.com/?${Q.replace('host%3Bx-k8s-aws-id', 'host')}`), /x-k8s-aws-id/],
    ['X-Amz-Expires over 900', encodeToken(`https://sts.amazonaws.com/?${Q.replace('X-Amz-Expires=60', 'X-Amz-Expires=901')}`), /X-Amz-Expires/],
    ['over 21857 characters', `k8s-aws-v1.${'A'.repeat(21847)}`, /it is 21858 characters, longer than the 21857 of a presigned URL of 16 KiB/],
  ];
  for (const [what, token, message] of bad) {
    test(`refused: ${what}`, () => {
      const r = decodeToken(token, OWN);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.errors[0]?.message ?? '', message);
    });
  }
});

describe('access entries', () => {
  test('default usernames: the user ARN; a role’s sessions by name', () => {
    assert.equal(defaultUsername('arn:aws:iam::111122223333:user/alice'), 'arn:aws:iam::111122223333:user/alice');
    assert.equal(defaultUsername('arn:aws:iam::111122223333:role/ScientistUserRole'), 'arn:aws:sts::111122223333:assumed-role/ScientistUserRole/{{SessionName}}');
    assert.equal(defaultUsername('acs:ram::123456789012:role/ECIRamRoleTest'), 'acs:ram::123456789012:role/ECIRamRoleTest/{{SessionName}}');
  });
  test('templates', () => {
    assert.equal(renderUsername('u-{{AccountID}}-{{SessionName}}-{{AccessKeyID}}-{{SessionNameRaw}}', { accountId: '1', sessionName: 's', accessKeyId: 'ASIA' }), 'u-1-s-ASIA-s');
    // As aws-iam-authenticator: `@` becomes `-` in {{SessionName}}, not in {{SessionNameRaw}} (review ce, 1).
    assert.equal(renderUsername('{{SessionName}}|{{SessionNameRaw}}', { accountId: '1', sessionName: 'a@b@c', accessKeyId: '' }), 'a-b-c|a@b@c');
  });
  test('a username read back through its template (review ia, 6)', () => {
    const A = '111122223333';
    const role = defaultUsername(`arn:aws:iam::${A}:role/ci`);
    assert.deepEqual(usernameMatch(role, `arn:aws:sts::${A}:assumed-role/ci/build-7`, A), { sessionName: 'build-7' });
    assert.equal(usernameMatch(role, `arn:aws:sts::${A}:assumed-role/ci2/build-7`, A), undefined);
    assert.equal(usernameMatch(role, `arn:aws:sts::999999999999:assumed-role/ci/build-7`, A), undefined);
    assert.deepEqual(usernameMatch(`arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:user/alice`, A), {});
    assert.equal(usernameMatch(`arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:user/alicex`, A), undefined);
    // Repeated placeholders must agree; a key stands for any key; regex characters are literal.
    assert.deepEqual(usernameMatch('{{AccountID}}-{{SessionName}}-{{AccountID}}-{{SessionNameRaw}}', `${A}-bob-${A}-bob`, A), { sessionName: 'bob' });
    assert.equal(usernameMatch('{{SessionName}}-{{SessionNameRaw}}', 'bob-eve', A), undefined);
    assert.deepEqual(usernameMatch('k.{{AccessKeyID}}', 'k.AKIAEXAMPLE', A), {});
    assert.equal(usernameMatch('k.{{AccessKeyID}}', 'kxAKIAEXAMPLE', A), undefined);
    assert.deepEqual(usernameMatch('a(b)*[c]', 'a(b)*[c]', A), {});
  });
  test('a role’s entry is found with and without the role’s path', () => {
    assert.deepEqual(entryCandidates({ partition: 'aws', account: '1', role: { name: 'R', path: '/team/' } }), ['arn:aws:iam::1:role/team/R', 'arn:aws:iam::1:role/R']);
    assert.deepEqual(entryCandidates({ partition: 'acs', account: '1', user: { name: 'u', path: '/' } }), ['acs:ram::1:user/u']);
  });
  test('spec: groups as a list or as JSON text; system: groups, bad ARNs and unknown templates refused', () => {
    const r = parseAccessEntrySpec({ principalArn: 'arn:aws:iam::111122223333:role/R', kubernetesGroups: '["a","b","a"]' });
    assert.ok(r.ok);
    assert.deepEqual(r.value.kubernetesGroups, ['a', 'b']);
    assert.equal(parseAccessEntrySpec({ principalArn: 'arn:aws:iam::111122223333:role/R', kubernetesGroups: ['system:masters'] }).ok, false);
    assert.equal(parseAccessEntrySpec({ principalArn: 'arn:aws:s3:::bucket' }).ok, false);
    assert.equal(parseAccessEntrySpec({ principalArn: 'arn:aws:iam::111122223333:user/u', username: '{{Oops}}' }).ok, false);
  });
  test('spec: groups as comma-separated text; text that opens a JSON list but is not one is refused, not split (review cli, G8)', () => {
    const r = parseAccessEntrySpec({ principalArn: 'arn:aws:iam::111122223333:role/R', kubernetesGroups: 'a, b' });
    assert.ok(r.ok);
    assert.deepEqual(r.value.kubernetesGroups, ['a', 'b']);
    const broken = parseAccessEntrySpec({ principalArn: 'arn:aws:iam::111122223333:role/R', kubernetesGroups: '["a",' });
    assert.equal(broken.ok, false);
    assert.match(broken.ok ? '' : (broken.errors[0]?.message ?? ''), /starts as a JSON list but is not one/);
  });
});

describe('reviews and patches', () => {
  test('SubjectAccessReview v1beta1 spells groups `group`', () => {
    const r = parseSubjectAccessReview({ apiVersion: 'authorization.k8s.io/v1beta1', kind: 'SubjectAccessReview', spec: { user: 'u', group: ['g'], resourceAttributes: { verb: 'get', resource: 'pods' } } });
    assert.ok(r.ok);
    assert.deepEqual(r.value.attributes.user.groups, ['g']);
    assert.equal(parseSubjectAccessReview({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u', resourceAttributes: {}, nonResourceAttributes: {} } }).ok, false);
  });
  test('the IAM view of a request follows the REST path', () => {
    const c = 'arn:aws:training::1:cluster/hp';
    assert.equal(kubernetesResource(c, { resourceRequest: true, namespace: 'kubeflow', resource: 'pods', subresource: 'log', name: 'p' }), `${c}/namespaces/kubeflow/pods/p/log`);
    assert.equal(kubernetesResource(c, { resourceRequest: true, resource: 'pytorchjobs', apiGroup: 'kubeflow.org' }), `${c}/pytorchjobs.kubeflow.org`);
    assert.equal(kubernetesResource(c, { resourceRequest: false, path: '/healthz' }), `${c}/healthz`);
    // The namespace object: kube-apiserver sends namespace = name for `/api/v1/namespaces/ml[/status]` (review I, S6).
    assert.equal(kubernetesResource(c, { resourceRequest: true, namespace: 'ml', resource: 'namespaces', name: 'ml' }), `${c}/namespaces/ml`);
    assert.equal(kubernetesResource(c, { resourceRequest: true, namespace: 'ml', resource: 'namespaces', name: 'ml', subresource: 'finalize' }), `${c}/namespaces/ml/finalize`);
    assert.equal(kubernetesResource(c, { resourceRequest: true, resource: 'namespaces', name: 'ml' }), `${c}/namespaces/ml`);
    assert.equal(kubernetesResource(c, { resourceRequest: true, resource: 'namespaces' }), `${c}/namespaces`);
    for (const sub of ['', 'status']) {
      const a = { resourceRequest: true, namespace: 'ml', apiGroup: '', resource: 'namespaces', name: 'ml', ...(sub ? { subresource: sub } : {}) };
      assert.deepEqual(parseKubernetesResource(c, kubernetesResource(c, a)), a);
    }
  });
  test('the authorize API reads the REST path back from the resource ARN', () => {
    const c = 'arn:aws:training::1:cluster/hp';
    const cases: readonly [string, unknown][] = [
      [`${c}/namespaces/kubeflow/pods/p/log`, { resourceRequest: true, namespace: 'kubeflow', apiGroup: '', resource: 'pods', name: 'p', subresource: 'log' }],
      [`${c}/namespaces/kubeflow/pytorchjobs.kubeflow.org`, { resourceRequest: true, namespace: 'kubeflow', apiGroup: 'kubeflow.org', resource: 'pytorchjobs' }],
      // The namespace object, as kube-apiserver describes `GET /api/v1/namespaces/kubeflow[/status]` (review I, S6).
      [`${c}/namespaces/kubeflow`, { resourceRequest: true, namespace: 'kubeflow', apiGroup: '', resource: 'namespaces', name: 'kubeflow' }],
      [`${c}/namespaces/kubeflow/status`, { resourceRequest: true, namespace: 'kubeflow', apiGroup: '', resource: 'namespaces', name: 'kubeflow', subresource: 'status' }],
      [`${c}/namespaces/kubeflow/finalize`, { resourceRequest: true, namespace: 'kubeflow', apiGroup: '', resource: 'namespaces', name: 'kubeflow', subresource: 'finalize' }],
      [`${c}/namespaces`, { resourceRequest: true, apiGroup: '', resource: 'namespaces' }],
      [`${c}/namespaces/kubeflow/pods`, { resourceRequest: true, namespace: 'kubeflow', apiGroup: '', resource: 'pods' }],
      [`${c}/nodes/n1`, { resourceRequest: true, apiGroup: '', resource: 'nodes', name: 'n1' }],
      [`${c}/healthz`, { resourceRequest: false, path: '/healthz' }],
      [`${c}/apis/batch/v1`, { resourceRequest: false, path: '/apis/batch/v1' }],
      [c, { resourceRequest: false, path: '/' }],
      [`${c}x/pods`, undefined],
      [`${c}/namespaces/a/pods/p/log/extra`, undefined],
      [`${c}/pods//x`, undefined],
    ];
    for (const [arn, want] of cases) assert.deepEqual(parseKubernetesResource(c, arn), want, arn);
    // Round trip with the IAM view.
    const a = { resourceRequest: true, namespace: 'ns', apiGroup: 'apps', resource: 'deployments', name: 'd', subresource: 'scale' } as const;
    assert.deepEqual(parseKubernetesResource(c, kubernetesResource(c, a)), a);
  });
  test('env: added whole where a container has none, appended where it has some, never overriding', () => {
    const spec = { containers: [{ name: 'a' }, { name: 'b', env: [{ name: 'X', value: 'mine' }] }], initContainers: [{ name: 'i', env: [] }] };
    assert.deepEqual(envPatch(spec, '/spec', { X: '1', Y: '2' }), [
      { op: 'add', path: '/spec/initContainers/0/env/-', value: { name: 'X', value: '1' } },
      { op: 'add', path: '/spec/initContainers/0/env/-', value: { name: 'Y', value: '2' } },
      { op: 'add', path: '/spec/containers/0/env', value: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] },
      { op: 'add', path: '/spec/containers/1/env/-', value: { name: 'Y', value: '2' } },
    ]);
  });
  test('annotations: `/` escaped, maps created when missing', () => {
    assert.deepEqual(annotationPatch({ metadata: { annotations: { a: 'b' } } }, '', 'gatehouse.dev/job', 'j'), [{ op: 'add', path: '/metadata/annotations/gatehouse.dev~1job', value: 'j' }]);
    assert.deepEqual(annotationPatch({ metadata: {} }, '/spec/template', 'k', 'v'), [{ op: 'add', path: '/spec/template/metadata/annotations', value: { k: 'v' } }]);
    assert.deepEqual(roleAnnotation({ 'gatehouse.dev/role': 'a', 'k8s.aliyun.com/eci-ram-role-name': 'a' }), { role: 'a', annotation: 'gatehouse.dev/role' });
    assert.ok('error' in (roleAnnotation({ 'gatehouse.dev/role': 'a', 'k8s.aliyun.com/eci-ram-role-name': 'b' }) ?? {}));
  });
});

describe('built-in controllers and the grants they take (review cz, 1)', () => {
  test('kube-controller-manager’s controllers by name; no other kube-system service account', () => {
    for (const u of ['system:kube-controller-manager', 'system:serviceaccount:kube-system:replicaset-controller', 'system:serviceaccount:kube-system:cronjob-controller']) assert.ok(BUILT_IN_CONTROLLERS.has(u), u);
    for (const u of ['system:serviceaccount:kube-system:karpenter', 'system:serviceaccount:kube-system:cluster-autoscaler', 'system:serviceaccount:kube-system:', 'system:serviceaccount:other:replicaset-controller']) assert.ok(!BUILT_IN_CONTROLLERS.has(u), u);
  });
  test('a grant serves an object owned by a built-in workload: made on that kind or on the kind its template is copied from', () => {
    const table: [string, string | undefined, boolean][] = [
      ['apps/ReplicaSet', 'apps/ReplicaSet', true],
      ['apps/Deployment', 'apps/ReplicaSet', true],
      ['apps/Deployment', 'apps/Deployment', true],
      ['batch/CronJob', 'batch/Job', true],
      ['batch/CronJob', 'batch/CronJob', true],
      ['/ReplicationController', '/ReplicationController', true],
      ['apps/StatefulSet', 'apps/DaemonSet', false],
      ['apps/ReplicaSet', 'apps/Deployment', false],
      ['batch/Job', 'batch/CronJob', false],
      ['apps/Deployment', undefined, false],
      ['kubeflow.org/PyTorchJob', 'kubeflow.org/PyTorchJob', false],
    ];
    for (const [kind, owner, want] of table) assert.equal(builtInGrantServes(kind, owner), want, `${kind} for ${owner}`);
  });
});
