/**
 * Review ly, 2: an IAM policy on a workspace's, cluster's, or IAM user's, group's or role's ARN written with a region
 * (`arn:aws:training:us-east-1:A:workspace/vision`, `acs:pai:cn-hangzhou:A:workspace/vision` as RAM spells PAI's ARNs,
 * `arn:aws:iam:us-east-1:A:user/eve`) was stored and answered 200, though those ARNs are regionless
 * (src/core/jobs/jobs.ts `workspaceArn`, `clusterArn`; IAM and RAM are global) and jobs, PassRole and the clusters API
 * decide on them alone: the policy granted nothing there, silently, and one on a workspace or user that does not exist
 * was taken too. The check of review aq, 2 (a policy attaches to what exists, by its own ARN; GCP's setIamPolicy answers
 * NOT_FOUND for a resource that does not exist) read only the regionless spellings, so a region slipped past both its
 * existence and its own-ARN checks. Now such a policy is refused as one on another spelling of the entity's ARN is
 * (`NO_SUCH_ENTITY` at `resource`, naming the ARN to attach to, or saying the entity does not exist), through the API
 * and `apply` alike; nothing is written.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls as the root admin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const OWN = `arn:aws:training::${ROOT}:workspace/vision`;
const bindings = [{ role: 'roles/ml.developer', members: ['user:eve'] }];
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, account: ROOT }, spec });

describe('an IAM policy on a regionless ARN spelt with a region', () => {
  let s: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(s.url, s.admin, method, path, body);
  const detail = (json: Record<string, unknown>) => ((json['error'] as { details?: { code: string; path: string; message: string }[] } | undefined)?.details ?? [])[0];

  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'eve' }));
    const applied = await v1('POST', '/v1/apply', { documents: [doc('Workspace', 'vision', { members: [{ user: 'eve' }] })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  test('a workspace’s and a user’s ARN with a region are refused, naming the ARN to attach to; nothing is written', async () => {
    for (const [resource, own, role] of [
      [`arn:aws:training:us-east-1:${ROOT}:workspace/vision`, OWN, 'roles/ml.developer'],
      [`arn:aws:iam:us-east-1:${ROOT}:user/eve`, `arn:aws:iam::${ROOT}:user/eve`, 'roles/viewer'],
    ] as const) {
      const put = await v1('PUT', '/v1/iam-policies', { resource, bindings: [{ role, members: ['user:eve'] }] });
      assert.equal(put.status, 404, `${resource}: ${JSON.stringify(put.json)}`);
      const e = detail(put.json);
      assert.equal(e?.code, 'NO_SUCH_ENTITY');
      assert.equal(e?.path, 'resource');
      assert.ok(e?.message.includes(`\`${own}\``), `it names ${own}: ${e?.message}`);
      const got = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
      assert.notEqual(got.status, 200, `nothing was written on ${resource}: ${JSON.stringify(got.json)}`);
    }
  });

  test('a workspace or cluster that does not exist, with a region, is refused through the API and apply', async () => {
    const put = await v1('PUT', '/v1/iam-policies', { resource: `arn:aws:training:us-east-1:${ROOT}:workspace/nothing`, bindings });
    assert.equal(put.status, 404, JSON.stringify(put.json));
    assert.match(detail(put.json)?.message ?? '', /workspace `nothing` of account 000000000000 does not exist/);
    const applied = await v1('POST', '/v1/apply', { documents: [doc('IamPolicy', 'gpu', { resource: `arn:aws:training:us-west-2:${ROOT}:cluster/gpu`, bindings: [{ role: 'roles/container.viewer', members: ['user:eve'] }] })] });
    assert.equal(applied.status, 404, JSON.stringify(applied.json));
    const e = detail(applied.json);
    assert.equal(e?.code, 'NO_SUCH_ENTITY');
    assert.equal(e?.path, 'spec.resource');
  });

  test('the regionless ARN is taken and grants', async () => {
    const put = await v1('PUT', '/v1/iam-policies', { resource: OWN, bindings });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const answer = await v1('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/eve`, action: 'training:CreateJob', resource: OWN });
    assert.equal(answer.json['decision'], 'Allow', JSON.stringify(answer.json));
  });
});
