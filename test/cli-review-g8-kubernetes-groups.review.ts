/**
 * `gatehouse kube access-entry create --kubernetes-groups` with a JSON list the shell broke (review cli, G8):
 * `'["a",'` was not JSON, so it was split at its commas and the entry created for the group `["a"`, exit 0. Text that
 * starts as a JSON list must now be one (exit 2, nothing created); comma-separated names still work. The CLI's
 * program in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROLE = 'arn:aws:iam::000000000000:role/scientist';

describe('kube access-entry create --kubernetes-groups', () => {
  let s: TestServer;
  const gatehouse = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
  before(async () => {
    s = await startTestServer();
    const file = join(s.dataDir, 'setup.yaml');
    const trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}';
    await writeFile(file, `apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec: {}\n---\napiVersion: gatehouse.dev/v1\nkind: Role\nmetadata:\n  name: scientist\nspec:\n  trustPolicy: ${trust}\n`);
    const r = await gatehouse(['apply', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => s?.stop());

  it('a broken JSON list is a usage error and creates nothing; comma-separated names are still taken', async () => {
    const broken = await gatehouse(['kube', 'access-entry', 'create', '--cluster', 'c1', '--principal-arn', ROLE, '--kubernetes-groups', '["a",', '--json']);
    assert.equal(broken.code, 2, broken.stdout + broken.stderr);
    // Under --json the usage error is the JSON error object (review jn, 2).
    assert.match((JSON.parse(broken.stderr) as { error: { message: string } }).error.message, /`\["a",` starts as a JSON list but is not one/);
    const listed = await gatehouse(['kube', 'access-entry', 'list', '--cluster', 'c1', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { accessEntries?: unknown[] }).accessEntries ?? JSON.parse(listed.stdout), [], 'no entry was created');
    const commas = await gatehouse(['kube', 'access-entry', 'create', '--cluster', 'c1', '--principal-arn', ROLE, '--kubernetes-groups', 'ml-a, ml-b', '--json']);
    assert.equal(commas.code, 0, commas.stderr);
    assert.deepEqual((JSON.parse(commas.stdout) as { kubernetesGroups: string[] }).kubernetesGroups, ['ml-a', 'ml-b']);
  });
});
