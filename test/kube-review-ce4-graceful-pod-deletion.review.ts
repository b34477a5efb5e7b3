/**
 * Review ce, finding 4: a pod running as a role lost its credentials the moment its deletion was asked, not when it
 * stopped. `kubectl delete pod`, a Job or PyTorchJob controller scaling down, a preemption: kube-apiserver asks the
 * admission webhook on that first DELETE, then the pod gets SIGTERM and `terminationGracePeriodSeconds` (30 s by
 * default) to finish, which a training job spends writing its checkpoint to object storage. The webhook ended the pod's
 * job on that first DELETE, so every session was revoked and the checkpoint upload failed (ExpiredToken; the credentials
 * endpoints answered 410). Under EKS (IRSA, pod identity) the credentials work until the container stops. A graceful
 * deletion ends with the kubelet's own DELETE (grace 0) once the containers stopped, which the webhook is asked too.
 * Now the job ends on the DELETE that removes the pod: grace 0 as the pod's registry computes it
 * (`podStrategy.CheckGracefulDelete`: `options.gracePeriodSeconds`, else `spec.terminationGracePeriodSeconds`; 0 for a
 * pod on no node or in phase Succeeded or Failed). Real server; AdmissionReviews as kube-apiserver sends them; the
 * pod's credentials read from its container endpoint.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { POD_REQUEST_KIND as PodKind, POD_REQUEST_RESOURCE as resource, startPodWorld, type PodWorld } from './support/pod-world.ts';
import type { TestServer } from './support/server.ts';

let w: PodWorld;
let server: TestServer;
let acct = '';
let token = '';
type Json = Record<string, unknown>;

const admit = (request: Json): Promise<Json> => w.admit(request);
const runningPod = (name: string): Promise<{ pod: Json; env: Record<string, string> }> => w.runningPod(name);

async function credentialsStatus(env: Record<string, string>): Promise<number> {
  const r = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] as string, { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] as string } });
  await r.arrayBuffer();
  return r.status;
}

function deletion(pod: Json, user: string, options: Json | undefined): Json {
  const name = String((pod['metadata'] as Json)['name']);
  return { uid: `d-${name}-${Math.random()}`, kind: PodKind, resource, name, namespace: 'ml', operation: 'DELETE', userInfo: { username: user, groups: ['system:authenticated'] }, object: null, oldObject: pod, dryRun: false, ...(options !== undefined ? { options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', ...options } } : {}) };
}

const terminating = (pod: Json): Json => ({ ...pod, metadata: { ...(pod['metadata'] as Json), deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } });

before(async () => {
  w = await startPodWorld();
  server = w.server;
  acct = w.account;
  token = w.token;
});
after(() => w?.stop());

describe('a pod keeps its credentials through its termination grace period (review ce, 4)', () => {
  it('kubectl delete: credentials still served while the pod terminates; the kubelet’s final DELETE ends them', async () => {
    const { pod, env } = await runningPod('graceful');
    assert.equal(await credentialsStatus(env), 200);
    // kubectl delete pod graceful (no grace period given: the pod's 30 s).
    const first = await admit(deletion(pod, `arn:aws:iam::${acct}:user/admin`, {}));
    assert.equal(first['allowed'], true);
    assert.equal(await credentialsStatus(env), 200, 'the pod is still running its SIGTERM handler');
    // The kubelet, once the containers stopped: DELETE with grace 0 and the pod's uid as precondition.
    const last = await admit(deletion(terminating(pod), 'system:node:node-1', { gracePeriodSeconds: 0, preconditions: { uid: 'uid-graceful' } }));
    assert.equal(last['allowed'], true);
    assert.equal(await credentialsStatus(env), 410);
  });

  it('a second graceful DELETE of a terminating pod does not end it either', async () => {
    const { pod, env } = await runningPod('twice');
    await admit(deletion(pod, `arn:aws:iam::${acct}:user/admin`, { gracePeriodSeconds: 60 }));
    await admit(deletion(terminating(pod), `arn:aws:iam::${acct}:user/admin`, { gracePeriodSeconds: 10 }));
    assert.equal(await credentialsStatus(env), 200);
    await admit(deletion(terminating(pod), 'system:node:node-1', { gracePeriodSeconds: 0 }));
    assert.equal(await credentialsStatus(env), 410);
  });

  it('deletions that remove the pod at once end its job at once', async () => {
    // --grace-period=0 --force.
    const forced = await runningPod('forced');
    await admit(deletion(forced.pod, `arn:aws:iam::${acct}:user/admin`, { gracePeriodSeconds: 0 }));
    assert.equal(await credentialsStatus(forced.env), 410);
    // A pod on no node yet.
    const pending = await runningPod('pending');
    await admit(deletion({ ...pending.pod, spec: { ...(pending.pod['spec'] as Json), nodeName: undefined }, status: { phase: 'Pending' } }, `arn:aws:iam::${acct}:user/admin`, {}));
    assert.equal(await credentialsStatus(pending.env), 410);
    // A pod that has finished (a completed Job's pod deleted by its TTL controller).
    const done = await runningPod('done');
    await admit(deletion({ ...done.pod, status: { phase: 'Succeeded' } }, 'system:serviceaccount:kube-system:ttl-after-finished-controller', {}));
    assert.equal(await credentialsStatus(done.env), 410);
    // A pod whose grace period is 0.
    const zero = await runningPod('zero');
    await admit(deletion({ ...zero.pod, spec: { ...(zero.pod['spec'] as Json), terminationGracePeriodSeconds: 0 } }, `arn:aws:iam::${acct}:user/admin`, undefined));
    assert.equal(await credentialsStatus(zero.env), 410);
  });

  it('options of the wrong type are refused, naming the field', async () => {
    const { pod } = await runningPod('typo');
    const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: deletion(pod, 'someone', { gracePeriodSeconds: '30' }) }) });
    const json = (await r.json()) as { message: string };
    assert.equal(r.status, 400);
    assert.match(json.message, /request\.options\.gracePeriodSeconds/);
  });
});
