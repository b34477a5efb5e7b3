/**
 * Review ft, 1: a Deny in a role session's own session policy did not stop the review that covers every namespace. The
 * SubjectAccessReview webhook decides a session's IAM side as the session, its session policy included (review ac, 11),
 * and a review with namespace `""` on a namespaced resource (`kubectl get secrets -A`: one review, every namespace's
 * secrets) is viewed in each namespace a Deny names (review K, K6). But those namespaces were looked for in the
 * identity policies and boundary only: with `Deny kubernetes:list` on `<cluster>/namespaces/prod/secrets` in the
 * session policy, `kubectl get secrets -n prod` was denied and `kubectl get secrets -A`, which returns prod's secrets
 * too, was allowed (so was resource `*` in every namespace, whose unnamed resources were found the same way). Now the
 * session's policies are searched as well.
 *
 * Real server; the session from AssumeRole with a session policy (SDK v3), its token reviewed by the TokenReview
 * webhook, then SubjectAccessReviews as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ciSessionOnK1, type CiSession } from './support/kube-session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let k: CiSession;
const V = '2012-10-17';

const review = (resourceAttributes: Record<string, string>): Promise<Record<string, unknown>> => k.review(resourceAttributes);

const denied = (s: Record<string, unknown>): void => assert.deepEqual([s['allowed'], s['denied'] === true], [false, true], JSON.stringify(s));
const allowed = (s: Record<string, unknown>): void => assert.deepEqual([s['allowed'], s['denied'] === true], [true, false], JSON.stringify(s));

before(async () => {
  server = await startTestServer();
  // The session may do what its role may, but never read prod's secrets or its PyTorchJobs.
  k = await ciSessionOnK1(server, (cluster) =>
    JSON.stringify({
      Version: V,
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'kubernetes:list', Resource: [`${cluster}/namespaces/prod/secrets`, `${cluster}/namespaces/prod/pytorchjobs.kubeflow.org`] },
      ],
    }),
  );
});
after(() => server?.stop());

describe('a Deny in the session policy, in the reviews that cover every namespace (review ft, 1)', () => {
  it('list secrets in prod is denied, in dev allowed (as before)', async () => {
    denied(await review({ namespace: 'prod', verb: 'list', version: 'v1', resource: 'secrets' }));
    allowed(await review({ namespace: 'dev', verb: 'list', version: 'v1', resource: 'secrets' }));
  });

  it('list secrets in every namespace (`kubectl get secrets -A`) is denied: it returns prod’s', async () => {
    const s = await review({ namespace: '', verb: 'list', version: 'v1', resource: 'secrets' });
    denied(s);
    assert.match(String(s['reason']), /namespaces\/prod\/secrets/);
  });

  it('list of every resource of group kubeflow.org in every namespace is denied: it covers prod’s PyTorchJobs, which no RBAC rule names', async () => {
    denied(await review({ namespace: '', verb: 'list', group: 'kubeflow.org', version: 'v1', resource: '*' }));
  });

  it('list configmaps in every namespace, which the session policy does not deny, stays allowed', async () => {
    allowed(await review({ namespace: '', verb: 'list', version: 'v1', resource: 'configmaps' }));
  });
});
