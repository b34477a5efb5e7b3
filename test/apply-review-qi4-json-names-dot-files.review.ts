/**
 * Review qi, 4 (cli, apply). Since review pn, 6, a directory given to `apply`/`plan -f` is read without its dot-files
 * (`config/.legacy.yaml`), and each such file is named on stderr (`not read: …`), so that `--prune` does not delete the
 * objects only it defines unseen. With `--json`, the form a CI job reads, the note was left out ("text only") and nothing
 * took its place: `plan --prune --json -f config` listed `delete User/bob` and `apply --prune --json` deleted bob with
 * nothing, on stdout or stderr, saying that a file defining bob was there and not read.
 *
 * Now the JSON answer of `plan` and `apply` carries `notRead`, the files skipped so (as the text names them), when there
 * are any; without one the answer is as before.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const user = (name: string): string => `apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: ${name}}\n`;

describe('qi4: --json names the dot-files a directory was read without', () => {
  let s: TestServer;
  let dir: string;
  let config: string;
  let legacy: string;
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-qi4-'));
    config = join(dir, 'config');
    legacy = join(config, '.legacy.yaml');
    await mkdir(config, { recursive: true });
    await writeFile(join(config, 'users.yaml'), user('qi4-alice'));
    await writeFile(legacy, user('qi4-bob'));
    const r = await cli(['apply', '-f', config, '-f', legacy]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
  const deletes = (out: { changes: { action: string; kind: string; name: string }[] }): string[] => out.changes.filter((c) => c.action === 'delete').map((c) => `${c.kind}/${c.name}`);

  it('plan --prune --json lists the file it did not read beside the deletion', async () => {
    const r = await cli(['plan', '--prune', '--json', '-f', config]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(deletes(out), ['User/qi4-bob']);
    assert.deepEqual(out.notRead, [legacy]);
  });

  it('apply --prune --json says it too', async () => {
    const r = await cli(['apply', '--prune', '--json', '-f', config]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(deletes(out), ['User/qi4-bob']);
    assert.deepEqual(out.notRead, [legacy]);
  });

  it('an answer with nothing left unread is as before', async () => {
    const r = await cli(['plan', '--json', '-f', join(config, 'users.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(Object.hasOwn(JSON.parse(r.stdout), 'notRead'), false);
  });
});
