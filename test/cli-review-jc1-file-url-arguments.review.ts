/**
 * Review jc, 1 (cli): `file://PATH`, the aws CLI's way of naming a file argument (`aws iam create-policy
 * --policy-document file://policy.json`, `--assume-role-policy-document file://trust.json`), was taken by
 * `sts assume-role --policy` and `credentials --policy` only. Every other option that reads a file took the word as a
 * path, so `gatehouse iam policies create p --document file://policy.json` with policy.json right there answered
 * ``cannot read `file://policy.json`: no such file; check the path`` (exit 5): the file exists, and the message sent the
 * user looking for a mistake in the path rather than at the prefix. Same for `iam roles create --trust-policy`,
 * `iam put-inline --document`, `resource-policies put --file`, `iam-policy set --file`, `policy validate`,
 * `policy evaluate --policy` and `apply -f`/`plan -f`. Why it matters: an AWS user's first command fails with a
 * message that is wrong about the cause, in the very commands whose arguments are named as the aws CLI's.
 * Now `file://PATH` (relative, or `file:///abs`) reads PATH everywhere a command reads a named file, as the aws CLI does;
 * a missing one is still exit 5, naming what was given.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts), relative paths from a temporary working directory, against
 * a real server on 127.0.0.1.
 *
 * Before the fix 6 of 7 tests failed (the missing-file one passed: its status and message were already right). The
 * follow-up (`file://~/…`, an eighth test) failed before its fix too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::vision/*' }] };
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };

describe('jc1: file://PATH names a file in every option that reads one', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-jc1-'));
    await writeFile(join(dir, 'policy.json'), JSON.stringify(POLICY));
    await writeFile(join(dir, 'trust.yaml'), 'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n    Principal: {Service: training.gatehouse.dev}\n    Action: sts:AssumeRole\n');
    await writeFile(join(dir, 'bucket.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::vision/*' }] }));
    await writeFile(join(dir, 'bindings.json'), JSON.stringify({ bindings: [{ role: 'roles/viewer', members: ['user:admin'] }] }));
    await mkdir(join(dir, 'config'));
    await writeFile(join(dir, 'admin-trust.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] }));
    await writeFile(join(dir, 'config', 'users.yaml'), 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: carol\n');
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The working directory is `dir`; `env` replaces variables (HOME) of the CLI's environment. */
  const cli = (args: readonly string[], env: Record<string, string> = {}) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir, extraEnv: env }, { cwd: dir });

  it('iam policies create --document file://policy.json', async () => {
    const r = await cli(['iam', 'policies', 'create', 'reader', '--document', 'file://policy.json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'created policy arn:aws:iam::000000000000:policy/reader\n');
  });

  it('iam roles create --trust-policy file:///absolute/trust.yaml, then put-inline --document file://', async () => {
    const r = await cli(['iam', 'roles', 'create', 'trainer', '--trust-policy', `file://${join(dir, 'trust.yaml')}`]);
    assert.equal(r.code, 0, r.stderr);
    const got = await cli(['iam', 'roles', 'get', 'trainer', '--json']);
    assert.deepEqual((JSON.parse(got.stdout) as { trustPolicy: unknown }).trustPolicy, TRUST);
    const inline = await cli(['iam', 'put-inline', 'read', '--role', 'trainer', '--document', 'file://policy.json']);
    assert.equal(inline.code, 0, inline.stderr);
  });

  it('resource-policies put --file file://bucket.json', async () => {
    const r = await cli(['resource-policies', 'put', 'arn:aws:s3:::vision', '--file', 'file://bucket.json']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('iam-policy set --file file://bindings.json', async () => {
    const r = await cli(['iam-policy', 'set', 'arn:aws:s3:::vision', '--file', 'file://bindings.json']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('policy validate and policy evaluate take file://', async () => {
    const v = await cli(['policy', 'validate', 'file://policy.json']);
    assert.equal(v.code, 0, v.stderr + v.stdout);
    const e = await cli(['policy', 'evaluate', '--policy', 'file://policy.json', '--principal', 'arn:aws:iam::000000000000:user/alice', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::vision/a']);
    assert.equal(e.code, 0, e.stderr + e.stdout);
  });

  it('plan -f and apply -f take file:// of a directory', async () => {
    const p = await cli(['plan', '-f', 'file://config']);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /create.*carol/);
    const a = await cli(['apply', '-f', 'file://config']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal((await cli(['iam', 'users', 'get', 'carol'])).code, 0);
  });

  // Follow-up: the aws CLI expands `~` in a file:// path (awscli/paramfile.py, expanduser), where no shell does; here it
  // was a directory named `~`, for every option and for `sts assume-role --policy`, which took file:// already.
  it('file://~/PATH is HOME\'s PATH, sts assume-role --policy included', async () => {
    const r = await cli(['iam', 'policies', 'create', 'home-reader', '--document', 'file://~/policy.json'], { HOME: dir });
    assert.equal(r.code, 0, r.stderr);
    const trust = await cli(['iam', 'roles', 'create', 'assumable', '--trust-policy', 'file://~/admin-trust.json'], { HOME: dir });
    assert.equal(trust.code, 0, trust.stderr);
    const a = await cli(['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/assumable', '--role-session-name', 'jc1', '--policy', 'file://~/policy.json', '--json'], { HOME: dir });
    assert.equal(a.code, 0, a.stderr);
  });

  it('a file:// that is missing is still exit 5, naming what was given', async () => {
    const r = await cli(['iam', 'policies', 'create', 'nope', '--document', 'file://missing.json']);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /`file:\/\/missing\.json`: no such file/);
  });
});
