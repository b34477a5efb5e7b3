/**
 * Review vn, 2: a pod's job was found at its deletion by the pod's `gatehouse.dev/job` annotation alone. Annotations are
 * mutable (`kubectl annotate pod train gatehouse.dev/job-`, a controller or tool that writes a pod's annotations whole,
 * `kubectl edit`), and the webhook lets an UPDATE that changes only them through; so a pod whose annotation was removed
 * or changed kept its job live after the kubelet's final DELETE removed it: its capability, in clear in the pod's spec
 * and in every copy of that spec (etcd backups, audit logs at Request level), kept getting the role's credentials, with
 * nothing left in the cluster to show the job existed. The UPDATE path already read the job from the containers'
 * GATEHOUSE_JOB_ID too, which an UPDATE cannot change; now the deletion does the same (the job must still be the one
 * made for this very pod, namespace and name, as before).
 * Real server; AdmissionReviews as kube-apiserver sends them; the pod's credentials read from its container endpoint.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { POD_REQUEST_KIND as PodKind, POD_REQUEST_RESOURCE as resource, startPodWorld, type PodWorld } from './support/pod-world.ts';

let w: PodWorld;
type Json = Record<string, unknown>;

async function credentialsStatus(env: Record<string, string>): Promise<number> {
  const r = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] as string, { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] as string } });
  await r.arrayBuffer();
  return r.status;
}

const nameOf = (pod: Json): string => String((pod['metadata'] as Json)['name']);

/** The pod with its annotations replaced by `annotations`, as an UPDATE leaves it stored. */
const annotated = (pod: Json, annotations: Record<string, string>): Json => ({ ...pod, metadata: { ...(pod['metadata'] as Json), annotations } });

/** An UPDATE from `before` to `after` by the cluster's admin (an annotation change), answered allowed. */
async function updated(before: Json, after: Json): Promise<void> {
  const r = await w.admit({ uid: `u-${nameOf(before)}-${Math.random()}`, kind: PodKind, resource, name: nameOf(before), namespace: 'ml', operation: 'UPDATE', userInfo: { username: `arn:aws:iam::${w.account}:user/admin`, groups: ['admins', 'system:authenticated'] }, object: after, oldObject: before, dryRun: false });
  assert.equal(r['allowed'], true, JSON.stringify(r));
}

/** The kubelet's final DELETE of `pod` (grace 0, once its containers stopped). */
async function finalDelete(pod: Json): Promise<void> {
  const terminating = { ...pod, metadata: { ...(pod['metadata'] as Json), deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } };
  const r = await w.admit({ uid: `d-${nameOf(pod)}-${Math.random()}`, kind: PodKind, resource, name: nameOf(pod), namespace: 'ml', operation: 'DELETE', userInfo: { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] }, object: null, oldObject: terminating, dryRun: false, options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', gracePeriodSeconds: 0 } });
  assert.equal(r['allowed'], true, JSON.stringify(r));
}

before(async () => {
  w = await startPodWorld();
});
after(() => w?.stop());

describe('a pod deleted without its gatehouse.dev/job annotation still ends its job (review vn, 2)', () => {
  it('the annotation removed by an UPDATE: the final DELETE ends the job', async () => {
    const { pod, env } = await w.runningPod('stripped');
    assert.equal(await credentialsStatus(env), 200);
    const stripped = annotated(pod, { 'gatehouse.dev/role': 'trainer' });
    await updated(pod, stripped);
    await finalDelete(stripped);
    assert.equal(await credentialsStatus(env), 410, 'the pod is gone: its capability must get nothing more');
  });

  it('the annotation changed to another pod’s job: the deleted pod’s job ends, the other pod’s does not', async () => {
    const a = await w.runningPod('first');
    const b = await w.runningPod('second');
    const moved = annotated(a.pod, { 'gatehouse.dev/role': 'trainer', 'gatehouse.dev/job': b.env['GATEHOUSE_JOB_ID'] as string });
    await updated(a.pod, moved);
    await finalDelete(moved);
    assert.equal(await credentialsStatus(a.env), 410, 'pod first is gone');
    assert.equal(await credentialsStatus(b.env), 200, 'pod second still runs');
  });
});
