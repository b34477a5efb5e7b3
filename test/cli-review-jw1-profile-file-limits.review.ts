/**
 * Review jw, 1: the CLI read AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE and a profile's `ca_bundle` with no limit of
 * their own: only the 16 MiB every input of the CLI has, so a path given by mistake (a log, a disk image, `/dev/zero`)
 * was read and parsed up to 16 MiB at every command, and a config file over it was passed over in silence (the
 * command went on without the profile's region and ca_bundle). And the config file was read twice per command, once
 * for the profile's region and ca_bundle and again for its credentials. Now a config or credentials file over 1 MiB
 * and a CA bundle over 10 MiB are refused, at most that much read, naming the file, what named it and the limit; and
 * each file is read once per command.
 * The CLI's program in this process (test/support/gatehouse-cli.ts), against a port nothing listens on: no server.
 *
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../package.json' with { type: 'json' };
import { runCli } from '../src/adapters/cli/index.ts';
import { cliFiles } from '../src/main/cli-files.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const KEYS = 'aws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = secret\n';

describe('review jw1: the shared config, credentials and CA bundle files are bounded and read once', () => {
  let dir: string;
  let config: string;
  let credentials: string;
  let big: string;
  let huge: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-jw1-'));
    await mkdir(join(dir, '.aws'));
    config = join(dir, '.aws', 'config');
    credentials = join(dir, '.aws', 'credentials');
    await writeFile(config, `[profile ci]\nregion = eu-west-1\n${KEYS}[profile tls]\n${KEYS}ca_bundle = ${join(dir, 'huge.pem')}\n`);
    await writeFile(credentials, `[other]\n${KEYS}`);
    // Sparse: their size costs no disk, their zeros are valid UTF-8.
    big = join(dir, 'big');
    await writeFile(big, '');
    await truncate(big, (1 << 20) + 1);
    huge = join(dir, 'huge.pem');
    await writeFile(huge, '');
    await truncate(huge, (10 << 20) + 1);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ENV = { GATEHOUSE_ENDPOINT: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' };
  const cli = (args: readonly string[], extra: Record<string, string>) => gatehouseInProcess(['iam', 'users', 'get', 'alice', ...args], { HOME: dir, ...ENV, ...extra });

  it('a config file over 1 MiB is refused, naming it, its variable and the limit', async () => {
    const r = await cli(['--profile', 'ci'], { AWS_CONFIG_FILE: big });
    assert.equal(r.code, 5, r.stderr);
    assert.ok(r.stderr.includes(`\`${big}\` (AWS_CONFIG_FILE) is larger than 1 MiB`), r.stderr);
  });

  it('a credentials file over 1 MiB is refused, naming it, its variable and the limit', async () => {
    const r = await cli(['--profile', 'ci'], { AWS_SHARED_CREDENTIALS_FILE: big });
    assert.equal(r.code, 5, r.stderr);
    assert.ok(r.stderr.includes(`\`${big}\` (AWS_SHARED_CREDENTIALS_FILE) is larger than 1 MiB`), r.stderr);
  });

  it('AWS_CONFIG_FILE=/dev/zero, with the environment\'s keys and no profile, is refused at once, not passed over', async () => {
    const r = await cli([], { AWS_CONFIG_FILE: '/dev/zero', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00', AWS_SECRET_ACCESS_KEY: 'y' });
    assert.equal(r.code, 5, r.stderr);
    assert.ok(r.stderr.includes('`/dev/zero` (AWS_CONFIG_FILE) is larger than 1 MiB'), r.stderr);
  });

  it('a CA bundle over 10 MiB is refused, naming it, where it was named and the limit', async () => {
    const r = await gatehouseInProcess(['iam', 'users', 'get', 'alice', '--profile', 'tls'], { HOME: dir, GATEHOUSE_ENDPOINT: 'https://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' });
    assert.equal(r.code, 5, r.stderr);
    assert.ok(r.stderr.includes(`InvalidCaBundle: ca_bundle of the profile \`tls\` in \`${config}\` \`${huge}\` is larger than 10 MiB`), r.stderr);
    const zero = await gatehouseInProcess(['iam', 'users', 'get', 'alice', '--ca-bundle', '/dev/zero'], { HOME: dir, GATEHOUSE_ENDPOINT: 'https://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00', AWS_SECRET_ACCESS_KEY: 'y' });
    assert.equal(zero.code, 5, zero.stderr);
    assert.ok(zero.stderr.includes('InvalidCaBundle: --ca-bundle `/dev/zero` is larger than 10 MiB'), zero.stderr);
  });

  it('each file is read once per command', async () => {
    const reads = new Map<string, number>();
    const files = cliFiles(Readable.from([]));
    let stderr = '';
    const code = await runCli(['iam', 'users', 'get', 'alice', '--profile', 'ci'], {
      out: () => {},
      err: (t) => void (stderr += t),
      readFile: (path, options) => {
        reads.set(path, (reads.get(path) ?? 0) + 1);
        return files.readFile(path, options);
      },
      readDir: files.readDir,
      env: { HOME: dir, ...ENV },
      now: () => Date.now(),
      version: pkg.version,
    });
    // The profile's keys and region were found (nothing listens on port 1).
    assert.equal(code, 10, stderr);
    assert.match(stderr, /ConnectionFailed/);
    assert.equal(reads.get(config), 1, JSON.stringify([...reads]));
    assert.equal(reads.get(credentials), 1, JSON.stringify([...reads]));
  });
});
