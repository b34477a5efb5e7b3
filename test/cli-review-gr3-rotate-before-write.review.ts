/**
 * Review gr, 3: `gatehouse kube webhook-config --rotate --out DIR` asked the server for a new webhook token first and
 * made DIR afterwards. When DIR could not be made or written (a file in its place, a directory under /proc, a full or
 * read-only disk), the command failed, but the token was rotated already: the old one, in kube-apiserver's files,
 * stopped working at once, and the new one was in no file, so every webhook call of the cluster was refused until
 * the command was run again elsewhere. Now DIR is made and written to before the server is asked, so such a failure
 * changes nothing; and a directory the command made is removed again when the server refuses (an unknown cluster).
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let home: string;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-gr3-'));
  const applied = await gatehouse(['apply', '-f', '-'], 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec: {}\n');
  assert.equal(applied.code, 0, applied.stderr);
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

function gatehouse(args: readonly string[], stdin?: string) {
  const env = { HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin', AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url };
  return gatehouseInProcess(args, env, stdin === undefined ? {} : { stdin });
}

/** The token the files in `dir` hold. */
async function tokenIn(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'authentication-webhook.kubeconfig'), 'utf8');
  const token = /token:\s*"?([^"\s]+)"?/.exec(text)?.[1];
  assert.ok(token, text.replace(/token:.*/, 'token: …'));
  return token;
}

async function currentToken(name: string): Promise<string> {
  const out = join(home, name);
  const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  return tokenIn(out);
}

test('gr3: --rotate with an --out that cannot be written fails without rotating the token', async () => {
  const before = await currentToken('first');
  const aFile = join(home, 'a-file');
  await writeFile(aFile, 'x');
  for (const out of [aFile, join(aFile, 'sub'), '/proc/gatehouse-gr3/webhooks']) {
    const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--rotate', '--out', out]);
    assert.equal(r.code, EXIT.noInput, `${out}: ${r.stderr}`);
    assert.match(r.stderr, /cannot write to `/, out);
    assert.equal(await currentToken('after'), before, `${out}: the token in kube-apiserver's files still works`);
  }
  const rotated = join(home, 'rotated');
  const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--rotate', '--out', rotated]);
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(await tokenIn(rotated), before, 'a writable --out still rotates');
});

test('gr3: a directory made for a cluster the server does not know is removed again', async () => {
  const out = join(home, 'new', 'webhooks');
  const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'nope', '--out', out]);
  assert.equal(r.code, EXIT.notFound, r.stderr);
  assert.ok(!existsSync(join(home, 'new')), 'nothing is left where there was nothing');
});
