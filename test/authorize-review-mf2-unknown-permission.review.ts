/**
 * Review mf, 2: the authorize API takes a question in the bindings' spelling (`ml.jobs.create`,
 * `iam.serviceAccounts.actAs`, `container.secrets.get`: GCP's permission names) and decides it as the IAM actions it
 * stands for, with a workspace's members, PassRole's rules and Kubernetes' IAM-only-denies (reviews ej, 1–6). A
 * permission Gatehouse does not know, the same names in another case among them (`ml.jobs.Create`,
 * `iam.serviceAccounts.actas`, `container.Secrets.get`), was decided by IAM on its own spelling instead, which no
 * statement names but `Action: *` matches: a non-member with `Action: *` was answered Allow to submit to a workspace
 * (jobs refuse it), a Deny of `iam:PassRole` on a role did not apply, and Allow was given to read a cluster's secret
 * without an access entry, where the permission's own spelling is refused each time. No binding can ever grant such a
 * permission (a custom role holding one is refused: `permission … does not exist; roles/owner lists every permission
 * Gatehouse knows`). GCP's permissions are case-sensitive and testIamPermissions refuses a permission that is not
 * valid for the resource with 400 INVALID_ARGUMENT (googleapis/google-cloud-java#722; a custom role naming
 * `iam.serviceaccountkeys.get` for `iam.serviceAccountKeys.get` is refused "Permission … is not valid",
 * hashicorp/terraform-provider-google#3408). Now such a question is 400 REQUEST_INVALID_ACTION at `action`, naming the
 * permission in its own case when it differs only by case; in a batch, that item alone.
 *
 * Before the fix 3 of 4 tests failed.
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
const WORKSPACE = `arn:aws:training::${ROOT}:workspace/vision`;
const SECRET = `arn:aws:training::${ROOT}:cluster/c1/namespaces/team/secrets/db`;
const ROLE = `arn:aws:iam::${ROOT}:role/admin`;

describe('a question naming a permission Gatehouse does not know', () => {
  let server: TestServer;
  const ask = (body: Record<string, unknown>) => gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', body);
  const refused = async (action: string, resource: string, own?: string): Promise<void> => {
    const r = await ask({ principal: user('carol'), action, resource });
    assert.equal(r.status, 400, `${action}: ${JSON.stringify(r.json)}`);
    const e = r.json['error'] as Record<string, unknown> | undefined;
    assert.equal(e?.['gatehouseCode'], 'REQUEST_INVALID_ACTION', JSON.stringify(r.json));
    assert.equal((e?.['details'] as { path: string }[] | undefined)?.[0]?.path, 'action', JSON.stringify(r.json));
    assert.ok(String(e?.['message']).includes(`\`${action}\``), JSON.stringify(r.json));
    if (own !== undefined) assert.ok(String(e?.['message']).includes(`\`${own}\``), `names ${own}: ${JSON.stringify(r.json)}`);
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
            all: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:PassRole', Resource: ROLE }] },
          },
        }),
        doc('User', 'wes', {}),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
  });
  after(() => server?.stop());

  test('ml.jobs.Create on a workspace carol is no member of is refused, naming ml.jobs.create', async () => {
    assert.equal((await ask({ principal: user('carol'), action: 'ml.jobs.create', resource: WORKSPACE })).json['decision'], 'ImplicitDeny');
    await refused('ml.jobs.Create', WORKSPACE, 'ml.jobs.create');
  });

  test('iam.serviceAccounts.actas and container.Secrets.get are refused, not allowed by Action: *', async () => {
    assert.equal((await ask({ principal: user('carol'), action: 'iam.serviceAccounts.actAs', resource: ROLE })).json['decision'], 'ExplicitDeny');
    await refused('iam.serviceAccounts.actas', ROLE, 'iam.serviceAccounts.actAs');
    assert.equal((await ask({ principal: user('carol'), action: 'container.secrets.get', resource: SECRET })).json['decision'], 'ImplicitDeny');
    await refused('container.Secrets.get', SECRET, 'container.secrets.get');
    await refused('storage.objects.gett', 'arn:aws:s3:::data/k');
  });

  test('in a batch, that item alone is refused at its action', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', {
      requests: [
        { principal: user('wes'), action: 'resourcemanager.workspaces.get', resource: WORKSPACE },
        { principal: user('carol'), action: 'ml.jobs.Create', resource: WORKSPACE },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const results = r.json['results'] as Record<string, unknown>[];
    assert.equal(results[0]?.['decision'], 'Allow', JSON.stringify(results[0]));
    const e = results[1]?.['error'] as Record<string, unknown> | undefined;
    assert.equal(e?.['code'], 'REQUEST_INVALID_ACTION', JSON.stringify(results[1]));
    assert.equal(e?.['path'], 'requests[1].action', JSON.stringify(results[1]));
  });

  test('IAM actions are still any service’s (a resource server’s own)', async () => {
    const r = await ask({ principal: user('carol'), action: 'tables:ReadRows', resource: `arn:aws:tables:us-east-1:${ROOT}:table/t` });
    assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
  });
});
