/**
 * Review `readme`, iv8: README §2 says "every option that takes a file takes `-`", and `kube webhook-config` takes
 * `--ca-file -` so. Its `--out` takes a directory, five files, which standard output cannot hold; `--out -` (typed by
 * the habit the README teaches, for the files on stdout) made a directory named `-` in the working directory and wrote
 * there the kubeconfigs holding the cluster's webhook token, reported as `wrote 5 files to /…/-`, exit 0: a secret left
 * where no one looks, and `kubectl apply -f -/mutating-webhook.yaml` next. Now `--out -` is a usage error (exit 2)
 * saying that the option takes a directory (`./-` for one named so), and nothing is written or asked of the server.
 * The CLI in process against a real server on 127.0.0.1.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let dir: string;
before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-iv8-'));
});
after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const webhookConfig = (out: string) => gatehouseCliInProcess(['kube', 'webhook-config', '--cluster', 'gpu-a', '--out', out], server.admin, { endpoint: server.url, home: dir }, { cwd: dir });

test('iv8: `kube webhook-config --out -` is refused, and writes nothing', async () => {
  const r = await webhookConfig('-');
  assert.equal(r.code, EXIT.usage, r.stdout + r.stderr);
  assert.match(r.stderr, /--out takes the directory to write the files to, not `-`: standard output cannot hold its several files; for a directory named `-`, give \.\/-/);
  assert.deepEqual(await readdir(dir), []);
  // Nor in this process's directory, where the in-process CLI writes (test/support/gatehouse-cli.ts).
  assert.ok(!(await readdir('.')).includes('-'));
});

test('iv8: a directory still takes the files (here the cluster does not exist: the server is asked)', async () => {
  const r = await webhookConfig(join(dir, 'hooks'));
  assert.equal(r.code, EXIT.notFound, r.stdout + r.stderr);
  assert.match(r.stderr, /cluster gpu-a does not exist/);
});
