/**
 * Review gr, 6: `gatehouse kube webhook-config --cluster c1 --out "$DIR"` with DIR unset gave `--out ""`, which
 * resolved to the working directory: the files holding the cluster's webhook token were written wherever the command
 * ran (a repository checkout, a home directory), over any files of the same names, and the command said it had
 * written them there. Now an empty `--out` is refused (exit 2, naming the option and the likely cause) before
 * anything is asked or written, as an empty `--data-dir` is (review gc, 6).
 *
 * The CLI's executable, started in a directory of the test's own (where the files went), against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';
import type { TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

const env = (): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: home,
  TMPDIR: home,
  ...COMPILE_CACHE,
  AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
  AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
  GATEHOUSE_ENDPOINT: server.url,
});

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-gr6-'));
  const applied = await gatehouseInProcess(['apply', '-f', '-'], env(), { stdin: 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec: {}\n' });
  assert.equal(applied.code, 0, applied.stderr);
});
after(async () => stop?.());

test('gr6: an empty --out is refused and nothing is written in the working directory', async () => {
  const cwd = join(home, 'checkout');
  await mkdir(cwd);
  for (const out of ['', '  ']) {
    const r = await run(process.execPath, [GATEHOUSE_BIN, 'kube', 'webhook-config', '--cluster', 'c1', '--out', out], env(), { cwd, timeoutMs: 60_000, killSignal: 'SIGKILL' });
    assert.equal(r.code, EXIT.usage, r.stderr);
    assert.match(r.stderr, /--out is empty/);
    assert.deepEqual(await readdir(cwd), [], 'the token files went to the working directory');
  }
});
