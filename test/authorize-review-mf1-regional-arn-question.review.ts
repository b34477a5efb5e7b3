/**
 * Review mf, 1: a workspace's, job's and cluster's ARN has no region (`arn:aws:training::A:cluster/c`,
 * `acs:pai::A:workspace/W`; src/core/jobs/jobs.ts), and neither has an IAM user's, group's or role's (IAM and RAM are
 * global). The authorize API recognised the questions Gatehouse decides itself on those resources by the regionless
 * spellings alone (`CLUSTER_RESOURCE_RE`, `WORKSPACE_ARN_RE`), so a resource server asking with a region, as RAM's
 * documentation spells PAI's ARNs (`acs:pai:cn-hangzhou:A:workspace/W`), got another answer than the canonical ARN's:
 * - `kubernetes:get` on `arn:aws:training:us-east-1:A:cluster/c/namespaces/team/secrets/db`: an `Action: *` user with
 *   no access entry was answered Allow, though on a cluster's resources IAM only denies and RBAC alone allows (the
 *   SubjectAccessReview webhook refuses that user);
 * - `training:CreateJob` on `acs:pai:cn-hangzhou:A:workspace/vision`: a non-member whose policies allow it was answered
 *   Allow, though only members submit (jobs refuse it);
 * - a Deny written on the canonical ARN (`iam:PassRole` on `arn:aws:iam::A:role/admin`, `training:GetCluster` on the
 *   cluster) did not match the regional spelling, and the answer was Allow where jobs and the clusters API refuse.
 * Real AWS matches ARNs as strings (IAM User Guide, "IAM JSON policy elements: Resource": a region in an ARN must match;
 * "IAM identifiers": IAM ARNs carry no region), so no policy on the real ARN would govern that spelling either; but no
 * request Gatehouse enforces ever names it. As review ly refused such ARNs at write time, the question is now refused:
 * 400 VALIDATION_ERROR at `resource`, naming the ARN to ask about (docs/decisions.md). A resource server's own action
 * (`training:DescribeJob` on `arn:aws:training:us-east-1:A:job/j-1`, conformance/resource/same-account.json) keeps its
 * ARN as asked.
 *
 * Before the fix 4 of 5 tests failed.
 *
 * Real server, SigV4-signed /v1/ calls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const user = (name: string): string => `arn:aws:iam::${ROOT}:user/${name}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

describe('a question Gatehouse decides itself, on a regionless ARN spelt with a region', () => {
  let server: TestServer;
  const ask = (body: Record<string, unknown>) => gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', body);
  const refusedNaming = async (body: Record<string, unknown>, canonical: string): Promise<void> => {
    const r = await ask(body);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const e = r.json['error'] as Record<string, unknown> | undefined;
    assert.equal(e?.['gatehouseCode'], 'VALIDATION_ERROR', JSON.stringify(r.json));
    assert.equal((e?.['details'] as { path: string }[] | undefined)?.[0]?.path, 'resource', JSON.stringify(r.json));
    assert.match(String(e?.['message']), new RegExp(`\`${canonical.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\``), JSON.stringify(r.json));
  };

  before(async () => {
    server = await startTestServer();
    const setup = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'c1', {}),
        doc('Workspace', 'vision', { members: [{ user: 'wes' }] }),
        doc('Role', 'admin', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.amazonaws.com' }, Action: 'sts:AssumeRole' }] } }),
        doc('User', 'carol', {
          inlinePolicies: {
            all: ALL,
            fence: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Deny', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ROOT}:role/admin` },
                { Effect: 'Deny', Action: 'training:GetCluster', Resource: `arn:aws:training::${ROOT}:cluster/c1` },
              ],
            },
          },
        }),
        doc('User', 'wes', {}),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
  });
  after(() => server?.stop());

  test('kubernetes:get on a secret under a regional cluster ARN is refused, naming the cluster path to ask about', async () => {
    const canonical = `arn:aws:training::${ROOT}:cluster/c1/namespaces/team/secrets/db`;
    const asked = await ask({ principal: user('carol'), action: 'kubernetes:get', resource: canonical });
    assert.equal(asked.json['decision'], 'ImplicitDeny', 'the canonical spelling: IAM only denies');
    await refusedNaming({ principal: user('carol'), action: 'kubernetes:get', resource: `arn:aws:training:us-east-1:${ROOT}:cluster/c1/namespaces/team/secrets/db` }, canonical);
    await refusedNaming({ principal: user('carol'), action: 'container.secrets.get', resource: `arn:aws:training:us-east-1:${ROOT}:cluster/c1/namespaces/team/secrets/db` }, canonical);
  });

  test('training:CreateJob on a workspace ARN with a region, for a non-member, is refused naming the workspace ARN', async () => {
    assert.equal((await ask({ principal: user('carol'), action: 'training:CreateJob', resource: `arn:aws:training::${ROOT}:workspace/vision` })).json['decision'], 'ImplicitDeny');
    await refusedNaming({ principal: user('carol'), action: 'training:CreateJob', resource: `arn:aws:training:us-east-1:${ROOT}:workspace/vision` }, `arn:aws:training::${ROOT}:workspace/vision`);
    await refusedNaming({ principal: user('carol'), action: 'training:CreateJob', resource: `acs:pai:cn-hangzhou:${ROOT}:workspace/vision` }, `acs:pai::${ROOT}:workspace/vision`);
  });

  test('a Deny on the canonical cluster and role ARNs is not dodged by a regional spelling', async () => {
    assert.equal((await ask({ principal: user('carol'), action: 'training:GetCluster', resource: `arn:aws:training::${ROOT}:cluster/c1` })).json['decision'], 'ExplicitDeny');
    await refusedNaming({ principal: user('carol'), action: 'training:GetCluster', resource: `arn:aws:training:eu-west-1:${ROOT}:cluster/c1` }, `arn:aws:training::${ROOT}:cluster/c1`);
    assert.equal((await ask({ principal: user('carol'), action: 'iam:PassRole', resource: `arn:aws:iam::${ROOT}:role/admin` })).json['decision'], 'ExplicitDeny');
    await refusedNaming({ principal: user('carol'), action: 'iam:PassRole', resource: `arn:aws:iam:us-east-1:${ROOT}:role/admin` }, `arn:aws:iam::${ROOT}:role/admin`);
  });

  test('a batch refuses that question alone, at its index', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', {
      requests: [
        { principal: user('wes'), action: 'training:GetWorkspace', resource: `arn:aws:training::${ROOT}:workspace/vision` },
        { principal: user('carol'), action: 'kubernetes:list', resource: `arn:aws:training:us-east-1:${ROOT}:cluster/c1/namespaces/team/secrets` },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const results = r.json['results'] as Record<string, unknown>[];
    assert.equal(results[0]?.['decision'], 'Allow', JSON.stringify(results[0]));
    assert.notEqual(results[1]?.['decision'], 'Allow', JSON.stringify(results[1]));
    const e = results[1]?.['error'] as Record<string, unknown> | undefined;
    assert.equal(e?.['path'], 'requests[1].resource', JSON.stringify(results[1]));
  });

  test('a resource server’s own action keeps its regional ARN', async () => {
    const r = await ask({ principal: user('carol'), action: 'training:DescribeJob', resource: `arn:aws:training:us-east-1:${ROOT}:job/j-1` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'Allow');
  });
});
