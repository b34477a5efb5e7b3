/**
 * Review gr, 7: `gatehouse kube webhook-config` wrote its five files one after the other, each to a temporary file
 * renamed over its path at once. When one could not be put in place (a directory where the file goes, as a container
 * runtime makes when it bind-mounts a file that is not there yet; a disk that filled up), the files before it held the
 * new token and the ones after it the old one or none, and with `--rotate` the token had been changed on the server
 * already: kube-apiserver's authentication and authorization webhooks were left on different tokens. Now a directory
 * at a file's path is refused before the server is asked, and every file is written in full before any is renamed
 * into place: a failure leaves every file as it was, and the token unrotated.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let home: string;

function gatehouse(args: readonly string[], stdin?: string) {
  const env = { HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin', AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url };
  return gatehouseInProcess(args, env, stdin === undefined ? {} : { stdin });
}

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-gr7-'));
  const applied = await gatehouse(['apply', '-f', '-'], 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec: {}\n');
  assert.equal(applied.code, 0, applied.stderr);
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

async function tokenIn(dir: string): Promise<string> {
  const token = /token:\s*"?([^"\s]+)"?/.exec(await readFile(join(dir, 'authentication-webhook.kubeconfig'), 'utf8'))?.[1];
  assert.ok(token);
  return token;
}

async function currentToken(name: string): Promise<string> {
  const out = join(home, name);
  const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  return tokenIn(out);
}

test('gr7: a directory where a file goes is refused before the token is rotated, and no file is written', async () => {
  const before = await currentToken('first');
  const out = join(home, 'mounted');
  await mkdir(join(out, 'mutating-webhook.yaml'), { recursive: true });
  const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--rotate', '--out', out]);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /mutating-webhook\.yaml` is a directory/);
  assert.deepEqual(await readdir(out), ['mutating-webhook.yaml'], 'some files were written and others not');
  assert.equal(await currentToken('after'), before, 'the token was rotated though the files could not be written');
});
