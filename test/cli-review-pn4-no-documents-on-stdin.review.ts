/**
 * Review pn, 4 (cli, apply): `apply -f -` (or `plan -f -`) with nothing on standard input (`helm template … | gatehouse
 * apply -f -` whose template printed nothing, a pipe from a command that failed) said `no documents found in \`-\`
 * (files ending in .yaml, .yml or .json)`: a hint about the files a directory is read for, which means nothing for
 * standard input (whatever it holds is read) nor for a file named (read whatever its name), and sent the user looking
 * for a file called `-` or renaming files. docs/documents.md: "a directory is read recursively for `.yaml`, `.yml` and
 * `.json` files; `-f -` reads standard input"; docs/errors.md: "the message says which".
 *
 * Now the message says what was read and why it held none: standard input was empty or held only comments and `---`;
 * a file likewise; the extensions only when a directory was given. Exit 5, nothing sent, as before; --json as before.
 * The CLI in this process with the executable's file readers and a standard input (test/support/gatehouse-cli.ts),
 * offline against a closed port.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('pn4: no documents on standard input', () => {
  let dir: string;
  const gatehouse = (args: readonly string[], stdin?: string) =>
    gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40), GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9' }, stdin === undefined ? {} : { stdin });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-pn4-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('apply -f - with nothing, or only comments and ---, on standard input: said of standard input, no file extensions', async () => {
    for (const stdin of ['', '# rendered nothing\n---\n']) {
      const r = await gatehouse(['apply', '-f', '-'], stdin);
      assert.equal(r.code, 5, r.stderr);
      assert.equal(r.stderr, 'gatehouse: no documents found in standard input (`-f -`): standard input was empty or held only comments and `---`\n');
    }
    const json = await gatehouse(['plan', '-f', '-', '--json'], '');
    assert.equal(json.code, 5, json.stderr);
    assert.doesNotMatch((JSON.parse(json.stderr) as { errors: { message: string }[] }).errors[0]?.message ?? '', /\.yaml|\.json/);
  });

  it('a file named that holds no documents: said of the file, whatever its name, no extensions', async () => {
    const f = join(dir, 'rendered.txt');
    await writeFile(f, '# nothing\n');
    const r = await gatehouse(['plan', '-f', f]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /no documents found in `[^`]*rendered\.txt`: a file holds none when it is empty or holds only comments and `---`\n$/);
    assert.doesNotMatch(r.stderr, /\.yml/);
  });

  it('a directory: the extensions it is read for, as before', async () => {
    const d = join(dir, 'config');
    await mkdir(d);
    await writeFile(join(d, 'users.txt'), 'apiVersion: gatehouse.dev/v1\n');
    const r = await gatehouse(['plan', '-f', d, '-f', '-'], '');
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /no documents found in `[^`]*config`, standard input \(`-f -`\): standard input was empty or held only comments and `---`; a directory is read for files ending in \.yaml, \.yml or \.json/);
  });
});
