/**
 * Review sz, 2: the authorize API answered a shell into a pod that runs as a role (`kubernetes:create` on
 * `…/pods/<pod>/exec` or `attach`), refused because the principal may not pass the role (review sc, 2), ExplicitDeny with
 * `matched: []`: when an explicit Deny of iam:PassRole refused it, that statement was named nowhere (no `denied by` line
 * in `gatehouse authorize`, no rule in the audit record); when no policy allowed PassRole at all, the answer still said
 * ExplicitDeny, a deny no rule made. The contract: issue 8 ("explicit deny wins, errors fail closed", "the deciding rules
 * per engine"); DESIGN.md, "Every decision can explain itself (which policy and statement, binding or rule decided)";
 * review so, 2 fixed the same for the covered deny (`coveredDeny`).
 *
 * Now an explicit Deny of the PassRole is ExplicitDeny naming its statement (`engine: iam`, policy, statement, Sid); a
 * PassRole that is only not allowed is ImplicitDeny (no rule denied: a missing allow, as IAM's own AccessDenied for it),
 * its reason the PassRole refusal, whatever RBAC allows. The SubjectAccessReview webhook still refuses both (`denied`,
 * so that no later authorizer lets the shell through), as before.
 *
 * Real server; alice's token reviewed by the TokenReview webhook; the pod admitted through the AdmissionReview webhook;
 * SubjectAccessReviews as kube-apiserver sends them; the authorize API asked by the root admin over SigV4.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { shellPodOnK1, SHELL_LIST, SHELL_NO_PASS, SHELL_PASS, type ShellPodOnK1 } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: ShellPodOnK1;
type Answer = { decision: string; reasons: string[]; diagnostics: string[]; matched: Record<string, unknown>[] };
const [PASS, NO_PASS, LIST] = [SHELL_PASS, SHELL_NO_PASS, SHELL_LIST];
const setAlice = (...Statement: object[]): Promise<void> => k1.setAlice(...Statement);

/** The webhook's `[allowed, denied]` and the authorize API's answer to the same exec or attach. */
async function both(sub: 'exec' | 'attach'): Promise<{ webhook: [boolean, boolean]; api: Answer }> {
  const w = await k1.sar({ resourceAttributes: { verb: 'create', version: 'v1', resource: 'pods', namespace: 'kubeflow', name: 'train', subresource: sub } });
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${server.adminFile.AccountId}:user/alice`, action: 'kubernetes:create', resource: `${k1.cluster}/namespaces/kubeflow/pods/train/${sub}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { webhook: [w.allowed, w.denied], api: r.json as unknown as Answer };
}

before(async () => {
  server = await startTestServer();
  k1 = await shellPodOnK1(server);
});

after(async () => {
  await server?.stop();
});

test('an explicit Deny of the PassRole: ExplicitDeny naming the Deny statement', async () => {
  await setAlice(PASS, NO_PASS);
  for (const sub of ['exec', 'attach'] as const) {
    const { webhook, api } = await both(sub);
    assert.deepEqual([webhook, api.decision], [[false, true], 'ExplicitDeny'], JSON.stringify(api));
    assert.deepEqual(api.matched.filter((m) => m['effect'] === 'Deny'), [{ engine: 'iam', policy: 'user/alice/pass', type: 'identity', statement: 1, sid: 'NoTrainer', effect: 'Deny' }], JSON.stringify(api));
    assert.match(api.reasons.join('\n'), /user\/alice is not allowed to perform iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer/);
  }
});

test('PassRole only not allowed: ImplicitDeny, no deny named, the refusal its reason', async () => {
  await setAlice(LIST);
  for (const sub of ['exec', 'attach'] as const) {
    const { webhook, api } = await both(sub);
    // The webhook still refuses the shell outright, as before.
    assert.deepEqual([webhook, api.decision], [[false, true], 'ImplicitDeny'], JSON.stringify(api));
    assert.deepEqual(api.matched.filter((m) => m['effect'] === 'Deny'), [], JSON.stringify(api));
    assert.match(api.reasons.join('\n'), /user\/alice is not allowed to perform iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer .*\(.*pod kubeflow\/train, which runs as/);
  }
});

test('as before: while alice may pass the role, exec is allowed by both', async () => {
  await setAlice(PASS);
  const { webhook, api } = await both('exec');
  assert.deepEqual([webhook, api.decision], [[true, false], 'Allow'], JSON.stringify(api));
});
