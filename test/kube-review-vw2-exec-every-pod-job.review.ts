/**
 * Review vw, 2: `kubectl exec` (or `attach`) into a pod that runs as a role is refused, whatever RBAC grants, to a user
 * who may not pass the role (reviews I S2, ru 1): the SubjectAccessReview names the pod only by namespace and name, and
 * the webhook took the role of the first live pod job of that name it read. But more than one live job can name a pod:
 * the webhook makes a pod's job at the CREATE admission, and a CREATE of a name already taken is refused by
 * kube-apiserver after the webhooks (AlreadyExists), its job left live (provisional since review vw, 1, for up to a
 * day). So alice, who may pass only role Cheap, created "another" `kubeflow/train` naming Cheap (refused by
 * kube-apiserver, its job made) until one such job came first in the index (ids are random), and was then let exec
 * into the real `train`, which runs as Trainer, and read Trainer's credentials from its environment. Now every role a
 * live job of the pod's name runs as must be one the user may pass (as a node's proxy asks of every pod's role).
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; pods admitted
 * through the AdmissionReview webhook; SubjectAccessReviews as kube-apiserver sends them; the authorize API asked by the
 * root admin over SigV4.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admit, podCreate } from './support/admission.ts';
import { shellPodOnK1, type ShellPodOnK1 } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let k1: ShellPodOnK1;
let acct = '';
const exec = { resource: 'pods', namespace: 'kubeflow', name: 'train', subresource: 'exec' };

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  k1 = await shellPodOnK1(server);
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Cheap' }, spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } } }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(() => server?.stop());

describe('review vw2: exec into a pod is decided on every role a live job of its name runs as', () => {
  it('a pod of the same name made again with a role alice may pass does not let her exec into the pod running as Trainer', async () => {
    // Alice may pass Cheap, not Trainer (the pod `train` runs as Trainer, admitted while she could).
    await k1.setAlice({ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${acct}:role/Cheap` });
    const before = await k1.sar({ resourceAttributes: { verb: 'create', version: 'v1', ...exec } });
    assert.deepEqual([before.allowed, before.denied], [false, true], before.reason);
    const jobs = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
    const trainer = (jobs.json['jobs'] as Record<string, unknown>[]).find((j) => String((j['role'] as Record<string, unknown>)['arn']).endsWith(':role/Trainer'));
    const trainerId = String(trainer?.['id'] ?? assert.fail(JSON.stringify(jobs.json)));
    // Her CREATEs of `train` naming Cheap (kube-apiserver refuses each after the webhook: AlreadyExists), until one's job
    // is read before Trainer's.
    let first = false;
    for (let i = 0; i < 30 && !first; i++) {
      const made = await admit(server.url, 'k1', k1.bearer, podCreate('', '', 'train', 'Cheap', k1.user, 'kubeflow'));
      assert.equal(made['allowed'], true, JSON.stringify(made));
      first = String((made['auditAnnotations'] as Record<string, string>)['job']) < trainerId;
    }
    assert.ok(first, 'no job of hers was read first');
    const after = await k1.sar({ resourceAttributes: { verb: 'create', version: 'v1', ...exec } });
    assert.deepEqual([after.allowed, after.denied], [false, true], after.reason);
    assert.match(after.reason, /iam:PassRole on arn:aws:iam::\d{12}:role\/Trainer/);
    assert.equal(await k1.ask('kubernetes:create', '/namespaces/kubeflow/pods/train/exec'), 'ImplicitDeny');
  });

  it('allowed to pass both roles, she may exec', async () => {
    await k1.setAlice({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' });
    const r = await k1.sar({ resourceAttributes: { verb: 'create', version: 'v1', ...exec } });
    assert.deepEqual([r.allowed, r.denied], [true, false], r.reason);
  });
});
