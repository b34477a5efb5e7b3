/**
 * Review pn, 3 (cli, apply): `gatehouse apply --namespace ''` (`-n "$NS"` with NS unset, or `-n=`) was taken as a
 * namespace given, and the Role it was for was blamed: a Role without metadata.namespace was refused for its
 * namespace (the empty one put in it), and a Role naming `team-a` was refused as not matching `--namespace ` — both
 * about the document, exit 3/8, where the slip is the flag's. `--cluster ''` likewise said the RBAC documents need
 * `--cluster NAME`, which was given. The CLI refuses an empty value of its other options naming the option (output.ts
 * `nonEmptyArg`, review hm, 11: "is a shell variable unset?"); and POST /v1/apply took `"namespace": ""` as a
 * namespace, its refusal about the document likewise.
 *
 * Now `-n ''`, `-n=` and `--cluster ''` are a usage error naming the option (exit 2, nothing sent), and /v1/apply
 * refuses `"namespace": ""` naming `namespace` (400 VALIDATION_ERROR), before any document is read.
 * Contract: docs/errors.md (exit 2: a malformed argument, the message says which); docs/documents.md (a Role without
 * metadata.namespace goes to --namespace, default `default`, as kubectl).
 *
 * The CLI in this process against a closed port (a usage error sends nothing: exit 2, not 10), and a real server for
 * /v1/apply.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainstClosedPort } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const cli = cliAgainstClosedPort;

const ROLE = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\nrules:\n- apiGroups: [""]\n  resources: [pods]\n  verbs: [get]\n';

describe('pn3: an empty --namespace or --cluster for apply and plan', () => {
  let dir: string;
  let role: string;
  let s: TestServer | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-pn3-'));
    role = join(dir, 'role.yaml');
    await writeFile(role, ROLE);
  });
  after(async () => {
    await s?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("apply -n '' and plan -n=: exit 2 naming the option, nothing sent (not 10)", async () => {
    const r = await cli(['apply', '--cluster', 'c1', '-n', '', '-f', role]);
    assert.equal(r.status, 2, r.err);
    assert.match(r.err, /--namespace is empty: give a namespace .*is a shell variable unset\?.*leave --namespace out/);
    const eq = await cli(['plan', '--cluster', 'c1', '-n=', '-f', role, '--json']);
    assert.equal(eq.status, 2, eq.err);
    assert.equal((JSON.parse(eq.err) as { error: { code: string } }).error.code, 'InvalidArgument');
  });

  it("apply --cluster '': exit 2 naming --cluster, nothing sent", async () => {
    const r = await cli(['apply', '--cluster', ' ', '-f', role]);
    assert.equal(r.status, 2, r.err);
    assert.match(r.err, /--cluster is empty/);
  });

  it('POST /v1/apply with "namespace": "" is refused naming namespace, not the document', async () => {
    s = await startTestServer();
    const doc = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'team-a' }, rules: [] };
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc], cluster: 'c1', namespace: '', dryRun: true });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const text = JSON.stringify(r.json);
    assert.match(text, /VALIDATION_ERROR/);
    assert.match(text, /`namespace` is empty/);
  });
});
