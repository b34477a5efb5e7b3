/**
 * Review jn, 2. Under `--json` (`-o json`, `--output json`) every failure the CLI reports is a JSON document on stderr
 * (`{"error": {"code", "message"}}`, review F, F4), except its usage errors: an unknown option, a missing argument, an
 * option's bad value, too many arguments, a required option left out, and the commands' own (`audit query --interval`
 * without `--follow`, `sts revoke-sessions` without a target, `jobs events --tail` with `--limit`) printed commander's
 * text, `error: unknown option '--bogus'` and `(add --help for usage)`, so a script parsing stderr as JSON failed on
 * exactly the mistakes it most needs told. Now they are the same error object (on one line), with a code naming the
 * kind (`UnknownOption`, `MissingArgument`, `InvalidArgument`, `ExcessArguments`, `MissingMandatoryOptionValue`,
 * `UsageError`), a suggestion kept in the message; the exit status is unchanged (2). Without JSON asked for, or with two
 * formats asked for (`--json -o table`, `--csv --json`), the text is as before.
 * The CLI in this process (test/support/gatehouse-cli.ts); no server is reached (nothing listens at the endpoint).
 * Before the fix 11 of 15 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('review jn2: usage errors under --json are JSON', () => {
  let home = '';
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-cli-jn2-'));
  });
  after(() => rm(home, { recursive: true, force: true }));
  const cli = (args: readonly string[]) => gatehouseInProcess(args, { HOME: home, GATEHOUSE_ENDPOINT: 'http://127.0.0.1:1' });

  /** The run's stderr as one JSON error document, stdout empty and status 2. */
  async function jsonError(args: readonly string[]): Promise<{ code: string; message: string }> {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    let doc: unknown;
    assert.doesNotThrow(() => (doc = JSON.parse(r.stderr)), `${args.join(' ')}: stderr is not JSON: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
    const e = (doc as { error?: { code: string; message: string } }).error;
    assert.ok(e !== undefined, r.stderr);
    assert.deepEqual(Object.keys(e), ['code', 'message']);
    assert.doesNotMatch(e.message, /^error:|add --help/);
    return e;
  }

  for (const [label, args, code, message] of [
    ['an unknown option (--json)', ['iam', 'users', 'get', 'alice', '--json', '--bogus'], 'UnknownOption', /^unknown option '--bogus'$/],
    ['a slip with its suggestion (-o json)', ['iam', 'users', 'get', 'alice', '-o', 'json', '--endpiont', 'http://x'], 'UnknownOption', /^unknown option '--endpiont' \(Did you mean --endpoint\?\)$/],
    ['a missing argument (-o json before the command)', ['-o', 'json', 'iam', 'users', 'get'], 'MissingArgument', /missing required argument 'name'/],
    ['a bad value (--output=json)', ['audit', 'query', '--since', 'yesterdayish', '--output=json'], 'InvalidArgument', /--since must be an ISO-8601 time .* got `yesterdayish`/],
    ['too many arguments (-ojson)', ['iam', 'users', 'get', 'a', 'b', '-ojson'], 'ExcessArguments', /too many arguments for 'get'/],
    ['a required option left out (--output json)', ['policy', 'evaluate', '--output', 'json'], 'MissingMandatoryOptionValue', /required option '--principal <arn>' not specified/],
    ['an option where it does nothing (audit query)', ['audit', 'query', '--json', '--interval', '5'], 'UsageError', /--interval is for --follow only/],
    ['sts revoke-sessions without a target', ['sts', 'revoke-sessions', '--json'], 'UsageError', /^give exactly one of --role-arn, --session-arn or --job$/],
    ['jobs events --tail with --limit', ['jobs', 'events', 'j-1', '--tail', '3', '--limit', '2', '--json'], 'UsageError', /--tail shows the newest events/],
    ['escalation-paths --why without --principal', ['escalation-paths', '--why', '--json'], 'UsageError', /--why explains the paths of one principal/],
    ['a malformed --context (who-can)', ['who-can', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k', '--context', 'novalue', '--json'], 'UsageError', /^--context must be KEY=VALUE, got `novalue`$/],
  ] as const) {
    it(label, async () => {
      const e = await jsonError(args);
      assert.equal(e.code, code);
      assert.match(e.message, message);
    });
  }

  it('without JSON asked for: commander text, as before', async () => {
    const r = await cli(['iam', 'users', 'get', 'alice', '--bogus']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "error: unknown option '--bogus'\n(add --help for usage)\n");
  });

  it('two formats asked for: the text error saying so', async () => {
    for (const args of [['iam', 'users', 'list', '--json', '-o', 'table'], ['iam', 'credential-report', '--csv', '--json']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: .* are two formats/);
    }
  });

  it('`--json` after `--` is the job command\'s, not a format', async () => {
    const r = await cli(['jobs', 'run', '--bogus', '--', 'train', '--json']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: unknown option '--bogus'/);
  });

  it('help asked for under --json is still help, status 0', async () => {
    const r = await cli(['iam', 'users', 'get', '--json', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: gatehouse iam users get/);
  });
});
