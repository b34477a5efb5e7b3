/**
 * Review `readme`, ez6: the first command a newcomer runs before any server (or in another directory than the
 * server's), `npx gatehouse whoami`, said `NoCredentials: no credentials: set AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or give --data-dir DIR with the server's admin-credentials.json (looked for
 * `.gatehouse/admin-credentials.json`)`: keys they do not have, and a file nothing said where to get. Now it says
 * whether a server ever kept its data there, that `gatehouse server` writes the admin's key there on its first start
 * (with the command to start one on that data dir), and, for a data dir without the file, that its server writes it
 * once it can serve. Exit 9 as before. The CLI in this process, in a fresh directory as its working directory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-ez6-'));
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir });

test('ez6: no server ever ran here: NoCredentials says that `gatehouse server` writes the key on its first start', async () => {
  const cwd = join(dir, 'clone');
  await mkdir(cwd);
  const r = await gatehouseInProcess(['whoami'], env(), { cwd });
  assert.equal(r.code, 9, r.stderr);
  assert.equal(r.stderr, "gatehouse: NoCredentials: no credentials: no server keeps its data in `.gatehouse` (it is `gatehouse server` that writes its admin's key to `.gatehouse/admin-credentials.json`, on its first start): start one (`npx gatehouse server`), run this command where one keeps its data or give --data-dir DIR, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)\n");
  const other = await gatehouseInProcess(['iam', 'users', 'list', '--data-dir', join(dir, 'srv')], env(), { cwd });
  assert.equal(other.code, 9, other.stderr);
  assert.ok(other.stderr.includes(`start one (\`npx gatehouse server --data-dir ${join(dir, 'srv')}\`)`), other.stderr);
});

test('ez6: a data dir without the file: its server writes it once it can serve', async () => {
  const cwd = join(dir, 'starting');
  await mkdir(join(cwd, '.gatehouse'), { recursive: true });
  const r = await gatehouseInProcess(['whoami'], env(), { cwd });
  assert.equal(r.code, 9, r.stderr);
  assert.match(r.stderr, /^gatehouse: NoCredentials: no credentials: `\.gatehouse` holds no admin-credentials\.json, which its server writes on its first start once it can serve \(still starting\? the file moved away\?\)/);
});
