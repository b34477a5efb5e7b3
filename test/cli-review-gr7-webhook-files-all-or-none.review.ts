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
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { webhookConfigWorld } from './support/webhook-config-world.ts';

const world = webhookConfigWorld('gr7');
const { gatehouse, tokenIn, currentToken } = world;

test('gr7: a directory where a file goes is refused before the token is rotated, and no file is written', async () => {
  const before = await currentToken('first');
  const out = join(world.home, 'mounted');
  await mkdir(join(out, 'mutating-webhook.yaml'), { recursive: true });
  const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--rotate', '--out', out]);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /mutating-webhook\.yaml` is a directory/);
  assert.deepEqual(await readdir(out), ['mutating-webhook.yaml'], 'some files were written and others not');
  assert.equal(await currentToken('after'), before, 'the token was rotated though the files could not be written');
});
