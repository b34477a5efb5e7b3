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
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { webhookConfigWorld } from './support/webhook-config-world.ts';

const world = webhookConfigWorld('gr3');
const { gatehouse, tokenIn, currentToken } = world;

test('gr3: --rotate with an --out that cannot be written fails without rotating the token', async () => {
  const before = await currentToken('first');
  const aFile = join(world.home, 'a-file');
  await writeFile(aFile, 'x');
  for (const out of [aFile, join(aFile, 'sub'), '/proc/gatehouse-gr3/webhooks']) {
    const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--rotate', '--out', out]);
    assert.equal(r.code, EXIT.noInput, `${out}: ${r.stderr}`);
    assert.match(r.stderr, /cannot write to `/, out);
    assert.equal(await currentToken('after'), before, `${out}: the token in kube-apiserver's files still works`);
  }
  const rotated = join(world.home, 'rotated');
  const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--rotate', '--out', rotated]);
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(await tokenIn(rotated), before, 'a writable --out still rotates');
});

test('gr3: a directory made for a cluster the server does not know is removed again', async () => {
  const out = join(world.home, 'new', 'webhooks');
  const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'nope', '--out', out]);
  assert.equal(r.code, EXIT.notFound, r.stderr);
  assert.ok(!existsSync(join(world.home, 'new')), 'nothing is left where there was nothing');
});
