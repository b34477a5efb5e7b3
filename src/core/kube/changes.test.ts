import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { containersChanged, generatedName, podEnvValues, templateChanged } from './changes.ts';

const template = (annotations: Record<string, string> | undefined, image = 'trainer:v1') => ({
  metadata: { labels: { app: 'd1' }, ...(annotations ? { annotations } : {}) },
  spec: { containers: [{ name: 'main', image }] },
});

describe('what an UPDATE changed', () => {
  test('a template: the grant alone and key order do not count; anything else does', () => {
    const role = { 'gatehouse.dev/role': 'Trainer' };
    const cases: readonly [string, unknown, unknown, boolean][] = [
      ['same', template(role), template(role), false],
      ['grant added', template(role), template({ ...role, 'gatehouse.dev/role-grant': 'v1.x.y' }), false],
      ['grant changed', template({ ...role, 'gatehouse.dev/role-grant': 'v1.a.b' }), template({ ...role, 'gatehouse.dev/role-grant': 'v1.x.y' }), false],
      ['only the grant, then none', template({ 'gatehouse.dev/role-grant': 'v1.a.b' }), template(undefined), false],
      ['key order', { spec: { containers: [{ image: 'a', name: 'm' }] } }, { spec: { containers: [{ name: 'm', image: 'a' }] } }, false],
      ['image', template(role), template(role, 'evil:latest'), true],
      ['restart annotation', template(role), template({ ...role, 'kubectl.kubernetes.io/restartedAt': '2026-12-01T00:00:00Z' }), true],
      ['role annotation', template(role), template({ 'gatehouse.dev/role': 'Other' }), true],
    ];
    for (const [name, a, b, want] of cases) assert.equal(templateChanged(a, b), want, name);
  });

  test('a pod: containers and init containers, not metadata', () => {
    const pod = (image: string, init?: string, labels: Record<string, string> = {}) => ({ metadata: { labels }, spec: { containers: [{ name: 'm', image }], ...(init ? { initContainers: [{ name: 'i', image: init }] } : {}) } });
    assert.equal(containersChanged(pod('a'), pod('a', undefined, { x: 'y' })), false);
    assert.equal(containersChanged(pod('a'), pod('b')), true);
    assert.equal(containersChanged(pod('a', 'i1'), pod('a', 'i2')), true);
    assert.equal(containersChanged(undefined, pod('a')), true);
  });

  test('env values of every container', () => {
    const pod = { spec: { initContainers: [{ env: [{ name: 'GATEHOUSE_JOB_ID', value: 'j1' }] }], containers: [{ env: [{ name: 'X', value: 'x' }, { name: 'GATEHOUSE_JOB_ID', value: 'j2' }, { name: 'GATEHOUSE_JOB_ID', valueFrom: {} }] }] } };
    assert.deepEqual(podEnvValues(pod, 'GATEHOUSE_JOB_ID'), ['j1', 'j2']);
    assert.deepEqual(podEnvValues({}, 'GATEHOUSE_JOB_ID'), []);
  });

  test('a generated name: kube-apiserver’s alphabet, 5 characters, the base cut to 58', () => {
    const n = generatedName('d1-abc-', new Uint8Array([0, 1, 2, 26, 27]));
    assert.equal(n, 'd1-abc-bcd9b');
    const long = generatedName('x'.repeat(80), new Uint8Array(5));
    assert.equal(long.length, 63);
    assert.match(generatedName('p-', new Uint8Array([200, 201, 202, 203, 204])), /^p-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});
