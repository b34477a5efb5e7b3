/**
 * Review mf, 4: a workspace's, job's or cluster's ARN names its type in lower case (`…:workspace/W`, `…:job/J`,
 * `…:cluster/C`; src/core/jobs/jobs.ts), and ARNs are case-sensitive (IAM User Guide, "IAM identifiers"). The checks
 * that make the authorize API answer as jobs and the clusters API decide (only members submit to a workspace, a Deny
 * on the cluster's ARN) read that spelling alone, so `training:CreateJob` on `arn:aws:training::A:Workspace/vision`
 * was answered Allow to a non-member with `Action: *`, and `training:GetCluster` on `…:Cluster/c1` Allow past a Deny
 * of the cluster, though no request jobs or the clusters API decide is named so. As review mf, 1 refuses a region in
 * those ARNs, such a question (an action Gatehouse decides itself) is now 400 VALIDATION_ERROR at `resource`, naming
 * the ARN to ask about; a resource server's own action keeps the ARN it asks about.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * Real server, SigV4-signed /v1/ calls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const CAROL = `arn:aws:iam::${ROOT}:user/carol`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('a question Gatehouse decides itself on a workspace’s or cluster’s ARN with its type in another case', () => {
  let server: TestServer;
  const ask = (action: string, resource: string) => gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: CAROL, action, resource });

  before(async () => {
    server = await startTestServer();
    const setup = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'c1', {}),
        doc('Workspace', 'vision', {}),
        doc('User', 'carol', { inlinePolicies: { all: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'training:GetCluster', Resource: `arn:aws:training::${ROOT}:cluster/c1` }] } } }),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
  });
  after(() => server?.stop());

  test('is refused, naming the ARN to ask about', async () => {
    for (const [action, asked, own] of [
      ['training:CreateJob', `arn:aws:training::${ROOT}:Workspace/vision`, `arn:aws:training::${ROOT}:workspace/vision`],
      ['ml.jobs.create', `acs:pai::${ROOT}:WORKSPACE/vision`, `acs:pai::${ROOT}:workspace/vision`],
      ['training:GetCluster', `arn:aws:training::${ROOT}:Cluster/c1`, `arn:aws:training::${ROOT}:cluster/c1`],
      ['training:GetJob', `arn:aws:training::${ROOT}:Job/j1`, `arn:aws:training::${ROOT}:job/j1`],
    ] as const) {
      const r = await ask(action, asked);
      assert.equal(r.status, 400, `${action} ${asked}: ${JSON.stringify(r.json)}`);
      const e = r.json['error'] as Record<string, unknown> | undefined;
      assert.equal(e?.['gatehouseCode'], 'VALIDATION_ERROR', JSON.stringify(r.json));
      assert.equal((e?.['details'] as { path: string }[] | undefined)?.[0]?.path, 'resource', JSON.stringify(r.json));
      assert.ok(String(e?.['message']).includes(`\`${own}\``), JSON.stringify(r.json));
    }
  });

  test('the ARN’s own spelling is decided as before, and a resource server’s action keeps its ARN', async () => {
    assert.equal((await ask('training:CreateJob', `arn:aws:training::${ROOT}:workspace/vision`)).json['decision'], 'ImplicitDeny');
    assert.equal((await ask('training:GetCluster', `arn:aws:training::${ROOT}:cluster/c1`)).json['decision'], 'ExplicitDeny');
    assert.equal((await ask('training:DescribeJob', `arn:aws:training::${ROOT}:Job/j1`)).json['decision'], 'Allow');
  });
});
