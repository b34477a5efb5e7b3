/**
 * Review pf, finding 4: a `kind: List` document (as `kubectl get -o yaml` prints several objects; docs/documents.md,
 * "Kubernetes") is applied item by item, and its validation errors name the item (`items[1].rules[0].bogus`). An error
 * found later, while planning or authorizing an item (a group that does not exist, a cluster that does not exist, a
 * step refused), was said of the list's first item: `document 1 (User first): spec.groups[0]: group … does not exist`
 * for the second item's groups, placed at line 1 of the file, and three items refused for a missing cluster were
 * three identical lines all naming the first. docs/documents.md and STYLE.md (habit 2): an error names its document
 * and the JSON path of the offending element, which the CLI places at its line. Now such an error names the item it is
 * about and its path within the list (`items[1].spec.groups[0]`), placed at that item's line. The real CLI against a
 * real server on 127.0.0.1.
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

describe('review pf4: an error of an item of a `kind: List` found while planning names that item', () => {
  const { cli, file } = applyWorkspace('pf4');

  it('a Gatehouse document in a List: the second item\'s missing group is the second item\'s, at its line', async () => {
    const f = await file(
      'users.yaml',
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: gatehouse.dev/v1\n  kind: User\n  metadata: {name: first}\n- apiVersion: gatehouse.dev/v1\n  kind: User\n  metadata: {name: second}\n  spec:\n    groups: [no-such-group]\n',
    );
    const r = await cli('plan', '-f', f);
    assert.equal(r.status, 6, r.out + r.err);
    assert.match(r.err, /users\.yaml:11:14: document 1 \(User second\): items\[1\]\.spec\.groups\[0\]: group `no-such-group` does not exist/);
    assert.doesNotMatch(r.err, /User first/);
    const json = await cli('plan', '--json', '-f', f);
    const details = (JSON.parse(json.err) as { error: { details: { name?: string; path: string; line?: number }[] } }).error.details;
    assert.deepEqual(details.map((d) => [d.name, d.path, d.line]), [['second', 'items[1].spec.groups[0]', 11]]);
  });

  it('Kubernetes RBAC in a List for a cluster that does not exist: one error per item, each naming its item', async () => {
    const f = await file(
      'rbac.yaml',
      [
        'apiVersion: v1',
        'kind: List',
        'items:',
        '- apiVersion: rbac.authorization.k8s.io/v1',
        '  kind: ClusterRole',
        '  metadata: {name: reader}',
        '  rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]',
        '- apiVersion: rbac.authorization.k8s.io/v1',
        '  kind: RoleBinding',
        '  metadata: {name: readers, namespace: team}',
        '  subjects: [{kind: Group, name: team, apiGroup: rbac.authorization.k8s.io}]',
        '  roleRef: {kind: ClusterRole, name: reader, apiGroup: rbac.authorization.k8s.io}',
        '',
      ].join('\n'),
    );
    const r = await cli('plan', '--cluster', 'nosuch', '-f', f);
    assert.equal(r.status, 6, r.out + r.err);
    const lines = r.err.split('\n').filter((l) => l.includes('does not exist'));
    assert.equal(lines.length, 2, r.err);
    assert.match(lines[0] ?? '', /rbac\.yaml:4:3: document 1 \(ClusterRole\.rbac\.authorization\.k8s\.io reader\): items\[0\]\.apiVersion: cluster `nosuch` does not exist/);
    assert.match(lines[1] ?? '', /rbac\.yaml:8:3: document 1 \(RoleBinding\.rbac\.authorization\.k8s\.io team\/readers\): items\[1\]\.apiVersion: cluster `nosuch` does not exist/);
  });
});
