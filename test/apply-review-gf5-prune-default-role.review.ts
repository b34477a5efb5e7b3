/**
 * Review gf, finding 5: the first `gatehouse jobs run --role default` in an account makes its default training role
 * (`GatehouseTrainingDefaultRole`; `AliyunPAIDLCDefaultRole` in an acs account), which Gatehouse owns as AWS owns a
 * service-linked role. `gatehouse apply --prune` of files holding any Role planned `- delete
 * Role/GatehouseTrainingDefaultRole` and deleted it: every running default-role job lost its credentials at its next
 * refresh, and a CI job applying `--prune` deleted it again after every new submission. `--prune` already never deletes
 * an account's admin, the caller or built-ins; now it never deletes the default role either (a Role document may still
 * name it and manage it). The real CLI in process (a real job with its real credential endpoint) against a real server
 * on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const FILES = `apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: ws}
spec: {members: [{user: admin}]}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: mine}
spec:
  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: "sts:AssumeRole"}]}
`;

describe('review gf5: apply --prune keeps the default training role', () => {
  let s: TestServer;
  let dir: string;
  let files: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-gf5-'));
    files = join(dir, 'config.yaml');
    await writeFile(files, FILES);
    const applied = await cli('apply', '-f', files);
    assert.equal(applied.status, 0, applied.out + applied.err);
    const job = await cli('jobs', 'run', '--workspace', 'ws', '--role', 'default', '--', process.execPath, '-e', '0');
    assert.equal(job.status, 0, job.out + job.err);
    assert.match(job.err, /role arn:aws:iam::000000000000:role\/GatehouseTrainingDefaultRole/);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plan and apply --prune leave it, and it is still there', async () => {
    for (const command of ['plan', 'apply']) {
      const r = await cli(command, '--prune', '-f', files);
      assert.equal(r.status, 0, r.out + r.err);
      assert.doesNotMatch(r.out, /GatehouseTrainingDefaultRole/);
      assert.match(r.out, /0 (to )?delete/);
    }
    const role = await cli('iam', 'roles', 'get', 'GatehouseTrainingDefaultRole');
    assert.equal(role.status, 0, role.out + role.err);
  });

  it('another role the files do not name is still pruned', async () => {
    const extra = join(dir, 'extra.yaml');
    await writeFile(extra, FILES.replace('name: mine', 'name: extra'));
    const r = await cli('apply', '--prune', '-f', extra);
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /- delete Role\/mine\n/);
    assert.doesNotMatch(r.out, /GatehouseTrainingDefaultRole/);
  });
});
