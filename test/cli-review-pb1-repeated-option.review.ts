/**
 * Review pb, 1 (cli): an option that takes one value, given twice, kept the last value without a word (commander's
 * default), so the command answered a question other than the one typed:
 * - `policy evaluate --policy P --boundary B1 --boundary B2` decided with B2 alone, and printed `Allow` where B1 (a
 *   boundary that allows nothing of it) made it an ImplicitDeny: a boundary dropped from the set, the exit status 0 a
 *   script reads as "allowed";
 * - `authorize --action s3:DeleteObject --action s3:GetObject` asked about s3:GetObject only, and its answer, which
 *   does not repeat the action, read as the answer for both;
 * - `audit query --decision Deny --decision Allow` listed the allows only.
 * The CLI already refuses the same slip where it was met before (`jobs run --role` twice: "a job has at most one
 * role; give --role once", review cli; a tag key twice, review g10), and docs/errors.md promises a usage error (exit 2,
 * `UsageError`-family code, nothing sent) for a command line that is wrong. Now every option that takes one value,
 * given twice, is such an error naming the option (`RepeatedOption` under --json), nothing done. Options meant to
 * repeat (`--policy`, `--context`, `--tag`, `-f`) still collect their values; the global options given before the
 * command (`gatehouse --endpoint URL whoami --endpoint URL2`) are still overridden by the command's own, as the help
 * says; --help still shows the help.
 *
 * In this process: the CLI's own parsing, offline (policy files in a temporary directory) and against a closed port
 * (a usage error sends nothing: exit 2, not 10's "cannot reach the server").
 *
 * Before the fix 4 of 6 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOSED_ENDPOINT, cliAgainstClosedPort } from './support/gatehouse-cli.ts';

const CLOSED = CLOSED_ENDPOINT;
const cli = cliAgainstClosedPort;

const policy = (effect: string, action: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: '*' }] });

describe('pb1: an option that takes one value, given twice', () => {
  let dir: string;
  let allowAll: string;
  let readOnly: string;
  const question = ['--principal', 'arn:aws:iam::111122223333:user/alice', '--action', 's3:DeleteObject', '--resource', 'arn:aws:s3:::b/k'];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-pb1-'));
    allowAll = join(dir, 'allow-all.json');
    readOnly = join(dir, 'read-only.json');
    await writeFile(allowAll, policy('Allow', '*'));
    await writeFile(readOnly, policy('Allow', 's3:GetObject'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('policy evaluate --boundary twice: exit 2 naming --boundary, no decision printed (it printed Allow from the last boundary alone)', async () => {
    // With the read-only boundary alone, the question is an ImplicitDeny: the check that the boundary counts.
    const one = await cli(['policy', 'evaluate', '--policy', allowAll, '--boundary', readOnly, ...question]);
    assert.equal(one.status, 1, one.err);
    const r = await cli(['policy', 'evaluate', '--policy', allowAll, '--boundary', readOnly, '--boundary', allowAll, ...question]);
    assert.equal(r.status, 2, `${r.out}${r.err}`);
    assert.equal(r.out, '');
    assert.match(r.err, /option '--boundary <file>' is given twice/);
  });

  it('authorize --action twice: exit 2 before anything is sent (not 10 from the closed port), naming --action', async () => {
    const r = await cli(['authorize', '--action', 's3:DeleteObject', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k']);
    assert.equal(r.status, 2, r.err);
    assert.match(r.err, /option '--action <action>' is given twice/);
    // `=` forms are the same option.
    const eq = await cli(['authorize', '--action=s3:DeleteObject', '--resource', 'arn:aws:s3:::b/k', '--action=s3:GetObject']);
    assert.equal(eq.status, 2, eq.err);
  });

  it('--json: the usage error as JSON, code RepeatedOption; the values are not echoed', async () => {
    const r = await cli(['audit', 'query', '--decision', 'Deny', '--decision', 'Allow', '--json']);
    assert.equal(r.status, 2, r.err);
    const e = JSON.parse(r.err) as { error: { code: string; message: string } };
    assert.equal(e.error.code, 'RepeatedOption');
    assert.match(e.error.message, /--decision/);
  });

  it('a global option given twice before the command is refused too', async () => {
    const r = await cli(['--endpoint', CLOSED, '--endpoint', 'http://127.0.0.1:8', 'whoami']);
    assert.equal(r.status, 2, r.err);
    assert.match(r.err, /option '--endpoint <url>' is given twice/);
  });

  it('still fine: a global option before the command and the command\'s own after it (the later wins), and options meant to repeat', async () => {
    const r = await cli(['--endpoint', 'http://127.0.0.1:8', 'whoami', '--endpoint', CLOSED]);
    assert.equal(r.status, 10, r.err);
    assert.match(r.err, /127\.0\.0\.1:9/);
    const many = await cli(['policy', 'evaluate', '--policy', readOnly, '--policy', allowAll, '--context', 'aws:TagKeys=a', '--context', 'aws:TagKeys=b', ...question]);
    assert.equal(many.status, 0, many.err);
    const role = await cli(['authorize', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k', '--context', 'a=1', '--context', 'a=2']);
    assert.equal(role.status, 10, role.err);
  });

  it('still fine: --help with a repeated option shows the help', async () => {
    const r = await cli(['authorize', '--action', 'a:b', '--action', 'c:d', '--help']);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /Usage: gatehouse authorize/);
  });
});
