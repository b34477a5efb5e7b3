/**
 * Review id, 1 (CLI): `gatehouse iam access-keys` could not deactivate a key.
 *
 * What was wrong: `iam access-keys` had create, list and delete only, and the admin API no route for a key's status.
 * Rotating a key as AWS documents it (create the new key, make the old one Inactive, check nothing breaks, then
 * delete it; `aws iam update-access-key --status Inactive`), or cutting off a key that leaked while finding who uses
 * it, needed the aws CLI against the Query API: from gatehouse, the only way to stop a key was to delete it, at once
 * and for good. `access-keys list` shows keys nobody uses any more, and the next step was out of reach.
 *
 * What is now so: `gatehouse iam access-keys update <access-key-id> --status Active|Inactive [--user NAME]`, over
 * `PATCH /v1/access-keys/{id}` (IAM's UpdateAccessKey rules: `iam:UpdateAccessKey` on the user). An inactive key is
 * refused (InvalidClientTokenId) and made active again works again; a status other than the two is a usage error.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

describe('cli review id1: iam access-keys update --status', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[], who: Credentials = s.admin) => gatehouseCliInProcess(args, who, { endpoint: s.url, home: s.dataDir }, { cwd: s.dataDir });

  /** Waits for `who`'s `whoami` to exit `code` (a key's status reaches every instance within a tick). */
  async function whoamiExits(who: Credentials, code: number): Promise<{ code: number; stderr: string }> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const r = await cli(['whoami'], who);
      if (r.code === code || Date.now() > deadline) return r;
      await new Promise((f) => setTimeout(f, 100));
    }
  }

  it('makes a key Inactive, then Active again', async () => {
    assert.equal((await cli(['iam', 'users', 'create', 'rotating'])).code, 0);
    const made = await cli(['iam', 'access-keys', 'create', '--user', 'rotating', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const k = JSON.parse(made.stdout) as { accessKeyId: string; secretAccessKey: string };
    const key = { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
    assert.equal((await whoamiExits(key, 0)).code, 0);

    const off = await cli(['iam', 'access-keys', 'update', k.accessKeyId, '--status', 'Inactive', '--user', 'rotating']);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, `access key ${k.accessKeyId} of rotating is now Inactive\n`);
    const listed = await cli(['iam', 'access-keys', 'list', '--user', 'rotating']);
    assert.match(listed.stdout, new RegExp(`\\n${k.accessKeyId} +rotating +Inactive`));
    const refused = await whoamiExits(key, 9);
    assert.equal(refused.code, 9, refused.stderr);
    assert.match(refused.stderr, /InvalidClientTokenId/);

    const on = await cli(['iam', 'access-keys', 'update', k.accessKeyId, '--status', 'Active', '--user', 'rotating', '--json']);
    assert.equal(on.code, 0, on.stderr);
    assert.deepEqual(JSON.parse(on.stdout), { accessKeyId: k.accessKeyId, userName: 'rotating', status: 'Active' });
    assert.equal((await whoamiExits(key, 0)).code, 0);
  });

  it('a status other than Active or Inactive is a usage error; an unknown key is not found', async () => {
    const bad = await cli(['iam', 'access-keys', 'update', 'AKIAIOSFODNN7EXAMPLE', '--status', 'disabled']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--status.*Active.*Inactive/);
    const missing = await cli(['iam', 'access-keys', 'update', 'AKIAIOSFODNN7EXAMPLE', '--status', 'Inactive']);
    assert.equal(missing.code, 6, missing.stderr);
    assert.match(missing.stderr, /NoSuchEntity: The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found/);
  });
});
