/**
 * Review `readme`, qv1: `gatehouse demo --keep` ("keep the temporary data dir and print its path") interrupted by
 * Ctrl-C kept the directory, as it should, but said on stderr `SIGINT: stopping the server and removing DIR`, and
 * exited before the line that prints the kept data dir: the user was told the directory was gone while it stayed,
 * and never told where the data dir to serve again is. Now an interrupted `--keep` run says it keeps the directory
 * and prints the data dir kept (and how to serve it), on stderr; without `--keep` it still says it removes it.
 *
 * Before the fix 1 of 1 tests failed. The demo as a user runs it (`bin/gatehouse.js demo --keep`), SIGINT once its
 * server is up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));

test('qv1: demo --keep interrupted says it keeps the directory, and where the data dir is', { timeout: 60_000 }, async () => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|ALIBABA_CLOUD_|GATEHOUSE_|NODE_TEST_CONTEXT)/.test(k)) env[k] = v;
  const child = spawn(process.execPath, [BIN, 'demo', '--keep'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => void (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (err += d));
  const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let dir: string | undefined;
  try {
    dir = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const d = /data dir\s+(\S+)\/data\n/.exec(out)?.[1];
        if (d && out.includes('[2/10]')) {
          clearInterval(timer);
          resolve(d);
        }
      }, 20);
      void done.then(() => {
        clearInterval(timer);
        reject(new Error(`the demo ended before it was interrupted:\n${out}\n${err}`));
      });
    });
    child.kill('SIGINT');
    const code = await done;
    assert.equal(code, 130, err);
    assert.equal(existsSync(`${dir}/data`), true, 'the data dir is kept');
    assert.doesNotMatch(err, /removing/, `told the kept directory is removed:\n${err}`);
    assert.match(err, new RegExp(`SIGINT: stopping the server and keeping ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(err.includes(`the data dir is kept: ${dir}/data`), `the kept data dir is not printed:\n${err}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
});
