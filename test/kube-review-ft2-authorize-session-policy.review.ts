/**
 * Review ft, 2: the authorize API answered Allow to a role session asking about a Kubernetes request that covers every
 * namespace, where its own session policy denies one of them and the SubjectAccessReview webhook denies it. A question
 * standing for several Kubernetes requests (`kubernetes:list` on `<cluster>/secrets`: the secrets of every namespace) is
 * denied when IAM denies one of them (`coveredDeny`, as the webhook's `iamViews`, reviews I C3 and K K6); those were
 * decided with the principal's identity policies and boundary from the directory, never the session policy of the
 * session that signs the question, which the webhook decides with since review ac, 11 (and ft, 1). So `Deny
 * kubernetes:list` on `<cluster>/namespaces/prod/secrets` in the session policy: `kubectl get secrets -A` denied by the
 * webhook, the same question `Allow` from `/v1/authorize`. Now the question is decided with the policies its own
 * decision is made with.
 *
 * Real server; the session from AssumeRole with a session policy (SDK v3), asking `/v1/authorize` signed with its own
 * credentials (SigV4), and its token reviewed by the webhooks for the same request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ciSessionOnK1, type CiSession } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let k: CiSession;
let cluster = '';
const V = '2012-10-17';

async function ask(action: string, resource: string): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, k.session, 'POST', '/v1/authorize', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

const review = (resourceAttributes: Record<string, string>): Promise<Record<string, unknown>> => k.review(resourceAttributes);

before(async () => {
  server = await startTestServer();
  k = await ciSessionOnK1(server, (arn) => JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kubernetes:list', Resource: `${arn}/namespaces/prod/secrets` }] }));
  cluster = k.cluster;
});
after(() => server?.stop());

describe('the authorize API and the webhook agree on a session policy’s Deny (review ft, 2)', () => {
  it('list secrets in prod: ExplicitDeny, as the webhook denies it', async () => {
    assert.equal((await ask('kubernetes:list', `${cluster}/namespaces/prod/secrets`))['decision'], 'ExplicitDeny');
    assert.equal((await review({ namespace: 'prod', verb: 'list', version: 'v1', resource: 'secrets' }))['denied'], true);
  });

  it('list secrets in every namespace: ExplicitDeny, as the webhook denies it', async () => {
    assert.equal((await review({ namespace: '', verb: 'list', version: 'v1', resource: 'secrets' }))['denied'], true);
    const a = await ask('kubernetes:list', `${cluster}/secrets`);
    assert.equal(a['decision'], 'ExplicitDeny', JSON.stringify(a));
    assert.match(JSON.stringify(a['reasons']), /namespaces\/prod\/secrets/);
  });

  it('list configmaps in every namespace: Allow, by the cluster’s RBAC', async () => {
    const a = await ask('kubernetes:list', `${cluster}/configmaps`);
    assert.equal(a['decision'], 'Allow', JSON.stringify(a));
  });
});
