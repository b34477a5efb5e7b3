/**
 * Policy review qx, 5: `gatehouse policy evaluate` holds the request to the bounds the server holds a question to.
 * Before the fix 3 of 4 tests failed.
 *
 * The authorize API and the simulations refuse a principal of more than 2,048 characters (VALIDATION_ERROR, review bb, 1),
 * an action of more than 128 (REQUEST_INVALID_ACTION; IAM's ActionName), a context value of more than 4,096 and more
 * than 1,024 context values in all (REQUEST_INVALID_CONTEXT, review limits, L8). `policy evaluate`, which decides "as the
 * server would", checked the key names only, and decided the rest: a 3,000-character principal ARN, a 200-character
 * action and a 5,000-character `aws:Referer` were each `Allow`, exit 0, answers to questions the server never decides.
 * Now each is refused before anything is decided, in the server's words, naming the option (`--principal: …`), exit 8
 * for the principal (as for --resource, review gh, 6) and 4 for the others; questions within the bounds are decided
 * as before. The CLI in process, offline.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const ALICE = 'arn:aws:iam::111122223333:user/alice';
let dir = '';

const evaluate = (principal: string, action: string, ...more: string[]) =>
  gatehouseInProcess(['policy', 'evaluate', '--policy', join(dir, 'all.json'), '--principal', principal, '--action', action, '--resource', 'arn:aws:s3:::b/k', ...more], ENV);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-qx5-'));
  await writeFile(join(dir, 'all.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('policy evaluate holds the request to the server\'s bounds (review qx, 5)', () => {
  it('a principal of more than 2,048 characters is refused, exit 8', async () => {
    const long = `arn:aws:iam::111122223333:user/${'a'.repeat(2020)}`;
    const r = await evaluate(long, 's3:GetObject');
    assert.equal(r.code, EXIT.invalidInput, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^--principal: `principal` is 2051 characters; an ARN is at most 2048, got `arn:aws:iam::111122223333:user\/a+…` \[VALIDATION_ERROR\]\n$/);
    const json = await evaluate(long, 's3:GetObject', '--json');
    assert.deepEqual((JSON.parse(json.stderr) as { errors: { code: string; path: string }[] }).errors.map((e) => [e.code, e.path]), [['VALIDATION_ERROR', 'principal']]);
  });

  it('an action of more than 128 characters is refused, exit 4', async () => {
    const r = await evaluate(ALICE, `s3:${'G'.repeat(200)}`);
    assert.equal(r.code, EXIT.invalidRequest, r.stdout + r.stderr);
    assert.match(r.stderr, /^--action: action `s3:G+…` is 203 characters; an action is at most 128 \[REQUEST_INVALID_ACTION\]\n$/);
  });

  it('a context value of more than 4,096 characters, or more than 1,024 values in all, is refused, exit 4', async () => {
    const long = await evaluate(ALICE, 's3:GetObject', '--context', `aws:Referer=https://example.com/${'x'.repeat(5000)}`);
    assert.equal(long.code, EXIT.invalidRequest, long.stdout + long.stderr);
    assert.match(long.stderr, /^--context: a value of `aws:Referer` is 5020 characters; the limit is 4096: shorten it \[REQUEST_INVALID_CONTEXT\]\n$/);
    const many = await evaluate(ALICE, 's3:GetObject', ...Array.from({ length: 1025 }, (_, i) => ['--context', `aws:TagKeys=k${i}`]).flat());
    assert.equal(many.code, EXIT.invalidRequest, many.stdout + many.stderr);
    assert.match(many.stderr, /^--context: the context holds at most 1024 values in all: send only the values the policies read \[REQUEST_INVALID_CONTEXT\]\n$/);
  });

  it('questions at the bounds are decided as before', async () => {
    const principal = `arn:aws:iam::111122223333:user/${'a'.repeat(2048 - 31)}`;
    assert.equal(principal.length, 2048);
    const r = await evaluate(principal, `s3:${'G'.repeat(125)}`, '--context', `aws:Referer=${'x'.repeat(4096)}`, ...Array.from({ length: 1023 }, (_, i) => ['--context', `aws:TagKeys=k${i}`]).flat());
    assert.equal(r.code, EXIT.ok, r.stdout + r.stderr);
    assert.match(r.stdout, /^Allow: /);
  });
});
