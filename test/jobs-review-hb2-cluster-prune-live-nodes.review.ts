/**
 * Review hb, finding 2: `gatehouse apply --prune` deleting a Cluster whose nodes (`POST /v1/clusters/{name}/nodes`,
 * `gatehouse clusters run-node`) were still running deleted it and left them live: each node went on being issued
 * sessions of the cluster's instance role, tagged with a cluster that no longer existed, and a cluster created again
 * under the name found them as its own. EKS refuses DeleteCluster while node groups are attached (ResourceInUse). Now
 * the prune is refused with DeleteConflict (409) naming the live nodes and how to end them, `--dry-run` as well;
 * once they have ended the cluster is pruned.
 *
 * Real server (SQLite), IAM through SDK v3, the admin API signed with SigV4, the node's credentials endpoint read with
 * SDK v3 `fromHttp`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { fromHttp } from '@aws-sdk/credential-providers';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const cluster = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name }, spec: { instanceRole: 'nodeadm' } });

describe('review hb2: a cluster with live nodes is not pruned from under them', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [cluster('gpu-a'), cluster('gpu-b')] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  it('the prune is refused with DeleteConflict naming the node, and goes through once the node is stopped', async () => {
    const started = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/gpu-a/nodes', { imds: false });
    assert.equal(started.status, 201, JSON.stringify(started.json));
    const id = String((started.json['job'] as { id: string }).id);
    const env = started.json['environment'] as Record<string, string>;
    const creds = () => fromHttp({ awsContainerCredentialsFullUri: env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', awsContainerAuthorizationToken: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '', maxRetries: 0 })();
    assert.ok((await creds()).accessKeyId);

    for (const dryRun of [true, false]) {
      const pruned = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [cluster('gpu-b')], prune: true, dryRun });
      assert.equal(pruned.status, 409, JSON.stringify(pruned.json));
      const text = JSON.stringify(pruned.json);
      assert.ok(text.includes('DELETE_CONFLICT') && text.includes('gpu-a') && text.includes(`1 live node or pod (${id})`) && text.includes('jobs stop'), text);
    }
    const still = await gatehouseJson(s.url, s.admin, 'GET', '/v1/clusters/gpu-a');
    assert.equal(still.status, 200, JSON.stringify(still.json));

    const stopped = await gatehouseJson(s.url, s.admin, 'POST', `/v1/jobs/${id}/stop`, {});
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    const pruned = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [cluster('gpu-b')], prune: true });
    assert.equal(pruned.status, 200, JSON.stringify(pruned.json));
    assert.equal((await gatehouseJson(s.url, s.admin, 'GET', '/v1/clusters/gpu-a')).status, 404);
  });
});
