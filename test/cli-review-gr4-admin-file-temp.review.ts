/**
 * Review gr, 4: the server wrote `admin-credentials.json` (the root admin's secret key, at first start and whenever its
 * Endpoint follows a new address) through a temporary file of a predictable name, `admin-credentials.json.<pid>.tmp`,
 * opened with `w`: a symbolic link or a file already at that name was written through. In a data dir others may write
 * (one made earlier with a wider mode, which the server only warns about), a link planted there sent the admin's
 * secret into a file of the planter's, readable by them; a file planted there kept its mode (0644) and became
 * `admin-credentials.json`. Now the temporary file has a fresh random name and is created exclusively (`wx`), so
 * nothing at any other name is followed or reused, and the file is 0600 from its first byte.
 *
 * A real server started in this process (`startServer`, as `gatehouse server` starts it).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';

let dir = '';
let server: RunningServer | undefined;

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('gr4: a link planted at the old temporary name is not written through; the admin file is 0600', async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-gr4-'));
  const data = join(dir, 'data');
  await mkdir(data);
  await chmod(data, 0o777);
  // Another user's file, readable by them, and their link where the server used to write the secret first.
  const theirs = join(dir, 'theirs.txt');
  await writeFile(theirs, 'nothing yet\n');
  await chmod(theirs, 0o666);
  await symlink(theirs, join(data, `${ADMIN_CREDENTIALS_FILE}.${process.pid}.tmp`));

  const logs: string[] = [];
  server = await startServer({ dataDir: data, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: (l) => void logs.push(l) });
  const admin = JSON.parse(await readFile(join(data, ADMIN_CREDENTIALS_FILE), 'utf8')) as { SecretAccessKey: string };
  assert.ok(admin.SecretAccessKey.length > 0);
  assert.equal(await readFile(theirs, 'utf8'), 'nothing yet\n', 'the secret went into a file of someone else');
  const st = await lstat(join(data, ADMIN_CREDENTIALS_FILE));
  assert.ok(st.isFile());
  assert.equal(st.mode & 0o777, 0o600);
  assert.ok((await lstat(join(data, `${ADMIN_CREDENTIALS_FILE}.${process.pid}.tmp`))).isSymbolicLink(), 'their link is left as it is');
  assert.ok(logs.some((l) => /open to group or others/.test(l)), 'the open data dir is still warned about');
  assert.equal((await stat(theirs)).mode & 0o777, 0o666);
});
