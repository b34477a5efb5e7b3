/**
 * Review ms, finding 3: a file given twice to `gatehouse apply`/`plan`, spelt two ways, was refused as defining its objects twice — by itself: `-f ./config -f config/users.yaml`, an absolute and a relative path, or a directory and a link to it.
 * The CLI reads each file once (`-f config/ -f config/users.yaml` was accepted: the same text of a path), but compared
 * paths as written, so `./config/users.yaml` and `config/users.yaml` were two files and every object in it was refused
 * with exit 8: "User `dana` … is also defined by `./config/users.yaml` document 1; define each object once", the very
 * document the error was about. kubectl applies such a file, given twice, as the objects it holds. Now a file is
 * known by its real path (links and `.`/`..` resolved) and read once. The real CLI in process, its readers from
 * src/main/cli-files.ts, against a real server on 127.0.0.1.
 * Before the fix 3 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyWorkspace } from './support/apply-files.ts';

const USER = 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: dana}\nspec: {}\n';

describe('review ms3: a file given twice under two spellings of its path is read once', () => {
  const w = applyWorkspace('ms3');
  let config = '';
  before(async () => {
    config = join(w.dir, 'config');
    await mkdir(config);
    await writeFile(join(config, 'users.yaml'), USER);
    await symlink(config, join(w.dir, 'linked'));
  });

  const once = (r: { status: number; out: string; err: string }): void => {
    assert.equal(r.status, 0, r.out + r.err);
    assert.equal(r.out.match(/\+ create User\/dana/g)?.length, 1, r.out);
    assert.match(r.out, /plan: 1 to create, 0 to update, 0 to delete, 0 unchanged/);
  };

  it('a directory and `DIR/./file`', async () => {
    once(await w.cli('plan', '-f', config, '-f', `${config}/./users.yaml`));
  });

  it('a file and `DIR/../DIR/file`', async () => {
    once(await w.cli('plan', '-f', join(config, 'users.yaml'), '-f', `${config}/../config/users.yaml`));
  });

  it('a directory and a link to it', async () => {
    once(await w.cli('plan', '-f', config, '-f', join(w.dir, 'linked')));
  });
});
