/**
 * Review `lf`, 2: a refused pod's AdmissionReview response carried no `auditAnnotations`.
 *
 * admission.k8s.io/v1 AdmissionResponse: `auditAnnotations` "will be provided by the admission webhook to add
 * additional context to the audit log for this request", and kube-apiserver's webhook dispatcher adds them (prefixed
 * with the webhook's name) and relays `warnings` before it looks at `allowed`, so they are recorded on a refusal too.
 * Gatehouse answered an admitted pod with `auditAnnotations: { role, passed-by, job }` but a refused one with only
 * `status`, so the apiserver's audit log showed which role a pod ran as, never which role a refused pod tried to pass.
 * Now a refusal of a pod or workload naming a role carries `auditAnnotations.role`: the role's canonical ARN (as the
 * Gatehouse audit records it, review ac, 2), and the refusal's warnings when it has any.
 * Real server (SQLite); real TokenReview tokens; AdmissionReview v1 to /k8s/{cluster}/admit.
 * Before the fix 2 of 3 tests failed.
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

describe('a refused pod’s response names the role it tried to pass, for the apiserver’s audit log (review lf, 2)', () => {
  it('admitted (alice may pass the role): auditAnnotations.role is the role', async () => {
    const r = await admit(podCreate(acct, 'alice', 'p-ok', `arn:aws:iam::${acct}:role/ml/Trainer`, alice));
    assert.equal(r['allowed'], true, JSON.stringify(r));
    assert.equal((r['auditAnnotations'] as Record<string, string>)['role'], `arn:aws:iam::${acct}:role/ml/Trainer`);
  });

  it('refused (bob may not pass it): status says why, and auditAnnotations.role is still the role', async () => {
    const r = await admit(podCreate(acct, 'bob', 'p-no', `arn:aws:iam::${acct}:role/ml/Trainer`, bob));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.match(String((r['status'] as { message?: string }).message), /check permission for ram role failed/);
    // Before the fix: no auditAnnotations at all.
    assert.deepEqual(r['auditAnnotations'], { role: `arn:aws:iam::${acct}:role/ml/Trainer` });
  });

  it('refused, the role named by a short name in another case: the annotation is the role’s canonical ARN', async () => {
    const r = await admit(podCreate(acct, 'bob', 'p-short', 'trainer', bob));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.equal((r['auditAnnotations'] as Record<string, string> | undefined)?.['role'], `arn:aws:iam::${acct}:role/ml/Trainer`);
  });
});
