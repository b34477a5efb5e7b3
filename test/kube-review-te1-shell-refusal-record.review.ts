/**
 * Review te, 1: the SubjectAccessReview webhook's own audit record of a refused shell into a pod that runs as a role
 * (`kubernetes:create` on `…/pods/<pod>/exec` or `attach`, refused because the user may not pass the role; review ru, 1)
 * said `ExplicitDeny` whatever refused the PassRole, and named no rule: a PassRole only not allowed (no policy allows it)
 * was recorded as an explicit deny (`audit query --decision ExplicitDeny`, a guardrail hit, listed it), and an explicit
 * Deny of the PassRole was recorded without the statement that made it. Review sz, 2 made the authorize API answer the
 * same question ImplicitDeny for the first and ExplicitDeny naming the Deny in `matched` for the second. The contract:
 * issue 8 ("explicit deny wins", "the deciding rules per engine"); DESIGN.md, "Every decision can explain itself (which
 * policy and statement, binding or rule decided)"; docs/decisions.md (the webhook's records are the authorize API's
 * decisions, recorded as it records them; review V, V4 on ExplicitDeny only for a rule's deny).
 *
 * Now the webhook's record says what decided, as the API does: ImplicitDeny for a PassRole only not allowed, ExplicitDeny
 * with `detail.matched` naming the Deny statement for an explicit one. The webhook still answers `denied: true` for both
 * (no later authorizer lets the shell through), as before.
 *
 * Real server; alice's token reviewed by the TokenReview webhook; the pod admitted through the AdmissionReview webhook;
 * SubjectAccessReviews as kube-apiserver sends them; the records read as the root admin reads them.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';
import { shellPodOnK1, SHELL_LIST, SHELL_NO_PASS, SHELL_PASS, type ShellPodOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: ShellPodOnK1;
const [PASS, NO_PASS, LIST] = [SHELL_PASS, SHELL_NO_PASS, SHELL_LIST];
const setAlice = (...Statement: object[]): Promise<void> => k1.setAlice(...Statement);

/** The webhook's `[allowed, denied]` to a shell in pod `train`, and the one record of it the webhook made. */
async function shell(sub: 'exec' | 'attach'): Promise<{ webhook: [boolean, boolean]; decision: string; detail: Record<string, unknown> }> {
  const resource = `${k1.cluster}/namespaces/kubeflow/pods/train/${sub}`;
  const before = (await auditRecords(server, { action: 'kubernetes:create' })).filter((x) => x.resource === resource).length;
  const w = await k1.sar({ resourceAttributes: { verb: 'create', version: 'v1', resource: 'pods', namespace: 'kubeflow', name: 'train', subresource: sub } });
  const records = (await auditRecords(server, { action: 'kubernetes:create' })).filter((x) => x.resource === resource);
  assert.equal(records.length, before + 1, JSON.stringify(records));
  // Newest first or last: the one not there before.
  const all = records.slice().sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const r = all[all.length - 1] as (typeof records)[number];
  return { webhook: [w.allowed, w.denied], decision: r.decision ?? '', detail: (r.detail ?? {}) as Record<string, unknown> };
}

before(async () => {
  server = await startTestServer();
  k1 = await shellPodOnK1(server);
});

after(async () => {
  await server?.stop();
});

test('PassRole only not allowed: the webhook refuses the shell and records ImplicitDeny, no rule named', async () => {
  await setAlice(LIST);
  for (const sub of ['exec', 'attach'] as const) {
    const r = await shell(sub);
    assert.deepEqual([r.webhook, r.decision], [[false, true], 'ImplicitDeny'], JSON.stringify(r));
    assert.deepEqual(((r.detail['matched'] ?? []) as Record<string, unknown>[]).filter((m) => m['effect'] === 'Deny'), [], JSON.stringify(r));
    assert.match(String(r.detail['reason']), /user\/alice is not allowed to perform iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer .*\(.*pod kubeflow\/train, which runs as/);
  }
});

test('an explicit Deny of the PassRole: recorded ExplicitDeny naming the Deny statement', async () => {
  await setAlice(PASS, NO_PASS);
  for (const sub of ['exec', 'attach'] as const) {
    const r = await shell(sub);
    assert.deepEqual([r.webhook, r.decision], [[false, true], 'ExplicitDeny'], JSON.stringify(r));
    assert.deepEqual(r.detail['matched'], [{ engine: 'iam', policy: 'user/alice/pass', type: 'identity', statement: 1, sid: 'NoTrainer', effect: 'Deny' }], JSON.stringify(r));
  }
});

test('as before: while alice may pass the role, the shell is allowed and recorded Allow', async () => {
  await setAlice(PASS);
  const r = await shell('exec');
  assert.deepEqual([r.webhook, r.decision], [[true, false], 'Allow'], JSON.stringify(r));
});
