/**
 * Review hh, finding 1: `apply` authorizes its read of each object it plans (`iam:GetRole` on the role…) and, with
 * `--prune`, the listing of each kind it prunes. For a Workspace or a Cluster both were asked on an IAM ARN
 * (`training:GetWorkspace` on `arn:aws:iam::ACCOUNT:workspace/NAME`, `training:ListClusters` on
 * `arn:aws:iam::ACCOUNT:cluster/*`), never the object's own ARN (`arn:aws:training::ACCOUNT:workspace/NAME`), which
 * `GET /v1/workspaces/NAME`, the jobs and every policy name. A workspace admin whose policy allows `training:*` on
 * `arn:aws:training::…:workspace/vision` could create and change the workspace through `PUT /v1/workspaces` but
 * `gatehouse apply` of the same Workspace refused it ("not allowed to perform training:GetWorkspace on
 * arn:aws:iam::000000000000:workspace/vision"), and a Deny of `training:GetWorkspace` on the real ARN did not hold for
 * apply's read. Now the read and the listing are asked on the workspace's and cluster's own ARNs. The real CLI in
 * process, as a user of its own, against a real server on 127.0.0.1 (SQLite).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { cliAgainst, userWithPolicy, type Credentials } from './support/server.ts';

const WORKSPACE = (name: string) => `apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: ${name}}
spec:
  members: [{user: hh1-lead}]
`;
const CLUSTER = (name: string) => `apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: ${name}}
spec: {}
`;

describe('review hh1: apply reads and lists workspaces and clusters on their own ARNs', () => {
  const w = applyWorkspace('hh1');
  let lead: Credentials;
  before(async () => {
    // Everything on the training ARNs of workspaces and clusters, nothing else: what a training-platform lead is given.
    lead = await userWithPolicy(
      w.server,
      'hh1-lead',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'training:*', Resource: ['arn:aws:training::000000000000:workspace/*', 'arn:aws:training::000000000000:cluster/*'] },
          { Effect: 'Deny', Action: 'training:GetWorkspace', Resource: 'arn:aws:training::000000000000:workspace/secret' },
        ],
      }),
    );
  });

  it('a Workspace and a Cluster apply, are listed for --prune, and apply again as unchanged', async () => {
    const files = [await w.file('vision.yaml', WORKSPACE('vision')), await w.file('gpu.yaml', CLUSTER('gpu'))];
    for (const command of ['plan', 'apply']) {
      const r = await cliAgainst(w.server, [command, ...files.flatMap((f) => ['-f', f])], lead);
      // Before: exit 9, `training:GetWorkspace on arn:aws:iam::000000000000:workspace/vision`.
      assert.equal(r.status, 0, r.out + r.err);
      assert.match(r.out, /\+ create Workspace\/vision\n/);
      assert.match(r.out, /\+ create Cluster\/gpu\n/);
    }
    const again = await cliAgainst(w.server, ['plan', '--prune', '--exit-code', ...files.flatMap((f) => ['-f', f])], lead);
    assert.equal(again.status, 0, again.out + again.err);
    assert.match(again.out, /= unchanged Workspace\/vision\n/);
    assert.match(again.out, /= unchanged Cluster\/gpu\n/);
  });

  it("a Deny of training:GetWorkspace on the workspace's ARN holds for apply's read of it", async () => {
    const r = await cliAgainst(w.server, ['plan', '-f', await w.file('secret.yaml', WORKSPACE('secret'))], lead);
    assert.equal(r.status, 9, r.out + r.err);
    assert.match(r.err, /training:GetWorkspace on resource: arn:aws:training::000000000000:workspace\/secret with an explicit deny/);
  });
});
