/**
 * Review mr, 1: under `--json` a few refusals were still text on stderr, where docs/errors.md promises every failure of a `--json` command is `{"error": {"code", "message"}}`.
 * `iam attach|detach|list-policies|put-inline|get-inline|delete-inline --json` with no target (or two of --user, --group,
 * --role) printed `gatehouse: give exactly one of --user, --group or --role`, and `kube webhook-config --json` printed
 * `gatehouse: cannot read --ca-file …` and `gatehouse: cannot write to …` as text; a script reading stderr as JSON (the
 * contract of reviews F4, hm 2 and jn 2) failed on them. Now the first is the usage error `UsageError` (exit 2, one line,
 * as `sts revoke-sessions --json` without a target), the second `UnreadableFile` and the third `UnwritableDirectory`
 * (exit 5 both, as before); without `--json` the text is as before.
 * The CLI in this process (test/support/gatehouse-cli.ts); no server is reached (nothing listens at the endpoint).
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('review mr1: the last text errors under --json', () => {
  let home = '';
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-cli-mr1-'));
    await writeFile(join(home, 'not-a-dir'), 'x');
  });
  after(() => rm(home, { recursive: true, force: true }));
  const env = () => ({ HOME: home, GATEHOUSE_ENDPOINT: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'AKIAMR1EXAMPLE000000', AWS_SECRET_ACCESS_KEY: 'mr1-secret' });
  const cli = (args: readonly string[]) => gatehouseInProcess(args, env(), { cwd: home });

  /** The run's stderr as one JSON error document, stdout empty, with the status expected. */
  async function jsonError(args: readonly string[], status: number): Promise<{ code: string; message: string }> {
    const r = await cli(args);
    assert.equal(r.code, status, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    let doc: unknown;
    assert.doesNotThrow(() => (doc = JSON.parse(r.stderr)), `${args.join(' ')}: stderr is not JSON: ${r.stderr}`);
    const e = (doc as { error?: { code: string; message: string } }).error;
    assert.ok(e !== undefined && typeof e.code === 'string' && typeof e.message === 'string', r.stderr);
    assert.doesNotMatch(e.message, /^gatehouse:/);
    return e;
  }

  it('iam commands that act on a user, group or role: no target, or two, is a JSON UsageError', async () => {
    for (const args of [
      ['iam', 'attach', 'AmazonS3ReadOnlyAccess', '--json'],
      ['iam', 'detach', 'AmazonS3ReadOnlyAccess', '--user', 'a', '--role', 'b', '-o', 'json'],
      ['iam', 'list-policies', '--output', 'json'],
      ['iam', 'get-inline', 'p', '--json'],
      ['iam', 'delete-inline', 'p', '--json'],
      ['iam', 'put-inline', 'p', '--document', '{"Version":"2012-10-17","Statement":[]}', '--json'],
    ]) {
      const e = await jsonError(args, 2);
      assert.equal(e.code, 'UsageError', args.join(' '));
      assert.match(e.message, /exactly one of --user, --group or --role/);
    }
  });

  it('kube webhook-config --json: an unreadable --ca-file is a JSON UnreadableFile', async () => {
    const e = await jsonError(['kube', 'webhook-config', '--cluster', 'c1', '--ca-file', join(home, 'missing.pem'), '--out', join(home, 'out'), '--json'], 5);
    assert.equal(e.code, 'UnreadableFile');
    assert.match(e.message, /--ca-file .*missing\.pem.*no such file/);
  });

  it('kube webhook-config --json: an --out that cannot be written is a JSON UnwritableDirectory', async () => {
    const e = await jsonError(['kube', 'webhook-config', '--cluster', 'c1', '--out', join(home, 'not-a-dir', 'sub'), '--json'], 5);
    assert.equal(e.code, 'UnwritableDirectory');
    assert.match(e.message, /cannot write to .*not-a-dir/);
  });

  it('without --json the same refusals are text, as before', async () => {
    const r = await cli(['iam', 'attach', 'AmazonS3ReadOnlyAccess']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^gatehouse: give exactly one of --user, --group or --role\n$/);
    const k = await cli(['kube', 'webhook-config', '--cluster', 'c1', '--ca-file', join(home, 'missing.pem'), '--out', join(home, 'out')]);
    assert.equal(k.code, 5);
    assert.match(k.stderr, /^gatehouse: cannot read --ca-file `.*missing\.pem`: no such file; check the path\n$/);
  });
});
