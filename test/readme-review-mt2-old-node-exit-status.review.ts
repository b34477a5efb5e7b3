/**
 * Review `readme`, mt2: `gatehouse` run by a Node.js older than 24 exited 1, the status of a negative answer.
 *
 * docs/errors.md: "Scripts may rely on them: a status never changes meaning", and 1 is "a negative answer, not an
 * error": `policy evaluate` denied, `audit verify` found a break, `plan --exit-code` found drift, a `demo` step failed;
 * `gatehouse server` "never exits 1". README says where an older Node.js runs the CLI: `credential_process` and
 * kubectl's exec plugin run their command outside `npx` (§3, §6), and a service manager runs `node bin/gatehouse.js
 * server` ("Run it"). bin/gatehouse.js refused any Node.js before 24 with a clear message, but with exit 1: a nightly
 * `gatehouse audit verify --expect …` run by the machine's `node` reported the audit log tampered with, `plan
 * --exit-code` in CI reported drift, `if gatehouse policy evaluate …` read a deny. Now the refusal is a usage error,
 * exit 2 (how it was run is wrong; the message says how to run it), which docs/errors.md lists.
 *
 * Before the fix 3 of 3 tests failed (with the host's Node.js 20 at /usr/bin/node; the third test skips where no
 * Node.js before 24 is installed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'gatehouse.js');
const env = { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' };

/** Runs the CLI entry point as Node.js `version` would: the version check reads `process.versions.node`. */
function runAs(version: string, args: readonly string[]): { status: number | null; stderr: string } {
  const pretend = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:${JSON.stringify(version)}})`;
  const r = spawnSync(process.execPath, ['--import', pretend, BIN, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr };
}

test('mt2: `policy evaluate` under Node.js 20 exits 2 (usage), not 1 (a deny), saying to run it with Node.js 24', () => {
  const r = runAs('20.20.2', ['policy', 'evaluate', '--policy', 'examples/policies/ml-data-reader.json', '--principal', 'arn:aws:iam::111122223333:user/alice', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::ml-datasets/train/x']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /needs Node\.js 24 or later/);
});

test('mt2: `audit verify` and `server` under Node.js 22 exit 2, never 1 (a broken audit log; a status the server never has)', () => {
  for (const args of [['audit', 'verify'], ['server', '--data-dir', join(ROOT, '.gatehouse-mt2-never-made')]]) {
    const r = runAs('22.1.0', args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /needs Node\.js 24 or later/);
  }
  assert.equal(existsSync(join(ROOT, '.gatehouse-mt2-never-made')), false, 'nothing ran: no data dir made');
});

/** A Node.js older than 24 on this machine (Debian's `nodejs`), if there is one. */
const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
  if (!existsSync(p)) return false;
  const v = spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  return Number(v.split('.')[0]) < 24;
});

test('mt2: the machine\'s own older Node.js running bin/gatehouse.js (as a credential_process does) exits 2', { skip: oldNode === undefined ? 'no Node.js before 24 installed here' : false }, () => {
  const r = spawnSync(oldNode as string, [BIN, 'plan', '--exit-code', '-f', 'examples/config'], { cwd: ROOT, env, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /needs Node\.js 24 or later, and this is v\d+/);
});
