/**
 * Review no, finding 2: `gatehouse plan` and `apply` wrote an object's name raw on each line, and their errors the name
 * and message raw. A Kubernetes RBAC object's name is any path segment (the API server's `ValidateRBACName`,
 * `path.IsValidPathSegmentName`, refuses only `.`, `..`, `/` and `%`), so Gatehouse rightly stores a ClusterRoleBinding
 * named `pwn\r\e[2K  = unchanged ClusterRole view`; but on a terminal or a CI log its `+ create` line then read
 * `  = unchanged ClusterRole view`: a binding of `cluster-admin` being created hid as a line of another object in the
 * plan a reviewer approves. src/adapters/cli/output.ts (`printable`, review id, 2) says what the CLI shows: C0 and C1
 * controls and the characters that move or hide text are written as escapes, as kubectl and journalctl write them; the
 * differences under an update already were, and docs/decisions.md (review aw, 2) records an ESC-sequence title erasing
 * the line above it as a defect. Now the object line, and an error's name, path and message, are shown through
 * `printable` (`pwn\r\x1b[2K…`). The real CLI against a real server.
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

// C0 and C1 controls, and DEL: what a terminal acts on rather than shows.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;

describe('review no2: names and errors with control characters are shown escaped', () => {
  const { cli, file } = applyWorkspace('no2');

  it('plan and apply: a ClusterRoleBinding named with CR and ESC [2K does not read as another line', async () => {
    const cluster = await cli('apply', '-f', await file('cluster.yaml', 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata: {name: k}\nspec: {}\n'));
    assert.equal(cluster.status, 0, cluster.out + cluster.err);
    const binding = await file(
      'crb.yaml',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: "pwn\\r\\e[2K  = unchanged ClusterRole view"}\nsubjects: [{kind: Group, name: intruders, apiGroup: rbac.authorization.k8s.io}]\nroleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}\n',
    );
    for (const command of ['plan', 'apply']) {
      const r = await cli(command, '--cluster', 'k', '-f', binding);
      assert.equal(r.status, 0, r.out + r.err);
      assert.doesNotMatch(r.out, RAW_CONTROL, `${command} wrote a control character: ${JSON.stringify(r.out)}`);
      assert.ok(r.out.includes('  + create ClusterRoleBinding.rbac.authorization.k8s.io/pwn\\r\\x1b[2K  = unchanged ClusterRole view\n'), JSON.stringify(r.out));
    }
    // An update's line too.
    const more = await file(
      'crb2.yaml',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: "pwn\\r\\e[2K  = unchanged ClusterRole view"}\nsubjects: [{kind: Group, name: intruders, apiGroup: rbac.authorization.k8s.io}, {kind: Group, name: others, apiGroup: rbac.authorization.k8s.io}]\nroleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}\n',
    );
    const plan = await cli('plan', '--cluster', 'k', '-f', more);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.doesNotMatch(plan.out, RAW_CONTROL, JSON.stringify(plan.out));
    assert.match(plan.out, /~ update ClusterRoleBinding\.rbac\.authorization\.k8s\.io\/pwn\\r\\x1b\[2K {2}= unchanged ClusterRole view \(subjects\)\n/);
  });

  it('an error echoing a name with ESC and a line break shows them escaped', async () => {
    const r = await cli('plan', '-f', await file('ws.yaml', 'apiVersion: gatehouse.dev/v1\nkind: Workspace\nmetadata: {name: "ws\\n\\e[1A\\e[2K"}\nspec: {members: []}\n'));
    assert.equal(r.status, 8, r.out + r.err);
    assert.doesNotMatch(r.err, RAW_CONTROL, JSON.stringify(r.err));
    // One line for the one error, then the summary.
    assert.equal(r.err.split('\n').length, 3, JSON.stringify(r.err));
    assert.match(r.err, /document 1 \(Workspace ws\\n\\x1b\[1A\\x1b\[2K\): metadata\.name: /);
  });
});
