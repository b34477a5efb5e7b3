/**
 * Review `lf`, 5: a refused pod UPDATE dropped its warning.
 *
 * An UPDATE that changes a pod's `gatehouse.dev/role` annotation is answered with a warning (kubectl prints it): the
 * annotation counts only at creation, so the change does not change the pod's role. But when the same UPDATE also
 * changed the containers of a pod running as a role and the user could not pass that role, the refusal was answered
 * with `status` only: the warning was dropped, though kube-apiserver relays a webhook's `warnings` on a refusal too
 * (admission.k8s.io/v1 AdmissionResponse), and the user, told only that passing the running role was refused, would
 * think switching the annotation to a role they may pass could help. Now the refusal keeps the warning, and names the
 * role the pod runs as in `auditAnnotations.role` (review lf, 2).
 * Real server (SQLite); real TokenReview tokens; AdmissionReview v1 to /k8s/{cluster}/admit.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podCreate, type UserInfo } from './support/admission.ts';
import { passRoleCluster, type PassRoleCluster } from './support/pass-role-cluster.ts';

let world: PassRoleCluster | undefined;
let acct = '';
let alice: UserInfo;
let bob: UserInfo;
const admit = (body: unknown) => (world as PassRoleCluster).admit(body);

before(async () => {
  world = await passRoleCluster();
  ({ acct, alice, bob } = world);
});
after(() => world?.server.stop());

const ROLE_WARNING = /role annotation counts only when the pod is created/;

/** An UPDATE of the pod `p` (namespace ml), by `user`, from `old` to `now` (each: its annotations and image). */
function podUpdate(user: UserInfo, old: { annotations: Record<string, string>; image: string }, now: { annotations: Record<string, string>; image: string }): Record<string, unknown> {
  const base = podCreate(acct, 'x', 'p', 'x', user) as { request: Record<string, unknown> };
  const object = (o: { annotations: Record<string, string>; image: string }) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ml', annotations: o.annotations }, spec: { containers: [{ name: 'c', image: o.image }] } });
  return { ...base, request: { ...base.request, operation: 'UPDATE', object: object(now), oldObject: object(old), options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' } } };
}

describe('a refused pod UPDATE keeps its warning (review lf, 5)', () => {
  let running: Record<string, string> = {};
  const trainer = () => `arn:aws:iam::${acct}:role/ml/Trainer`;
  before(async () => {
    const made = await admit(podCreate(acct, 'alice', 'p', trainer(), alice));
    assert.equal(made['allowed'], true, JSON.stringify(made));
    const job = (made['auditAnnotations'] as Record<string, string>)['job'] ?? assert.fail('no job');
    running = { 'gatehouse.dev/role': trainer(), 'gatehouse.dev/job': job };
  });

  it('bob changes only the annotation: admitted, with the warning', async () => {
    const r = await admit(podUpdate(bob, { annotations: running, image: 'busybox' }, { annotations: { ...running, 'gatehouse.dev/role': 'Other' }, image: 'busybox' }));
    assert.equal(r['allowed'], true, JSON.stringify(r));
    assert.match(String((r['warnings'] as string[] | undefined)?.[0]), ROLE_WARNING);
  });

  it('bob changes the annotation and the image: refused (he may not pass the running role), the warning kept', async () => {
    const r = await admit(podUpdate(bob, { annotations: running, image: 'busybox' }, { annotations: { ...running, 'gatehouse.dev/role': 'Other' }, image: 'evil' }));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.match(String((r['status'] as { message?: string }).message), /changing the containers of pod ml\/p, which runs as/);
    // Before the fix: no warnings.
    assert.equal((r['warnings'] as string[] | undefined)?.length, 1, JSON.stringify(r));
    assert.match(String((r['warnings'] as string[])[0]), ROLE_WARNING);
    assert.equal((r['auditAnnotations'] as Record<string, string> | undefined)?.['role'], trainer());
  });
});
