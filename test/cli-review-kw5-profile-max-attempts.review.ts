/**
 * Review kw, 5 (cli): how many times a request is tried came from AWS_MAX_ATTEMPTS only, though the aws CLI and the
 * SDKs read the profile's `max_attempts` too (botocore's config variable `max_attempts`: the profile's key, below the
 * variable), as review jn, 3 made the CLI read the profile's `region` and `ca_bundle`. A profile written for a flaky
 * link (`max_attempts = 6`) was tried 3 times here and failed where the aws CLI with that profile got through; one
 * with `max_attempts = 1` (a script that retries by itself) was tried 3 times. Now the profile's `max_attempts` counts,
 * below AWS_MAX_ATTEMPTS, bounded as the variable is (at most 10); a value that is no whole number of at least 1 is
 * refused naming the profile and the file, as AWS_MAX_ATTEMPTS's is.
 *
 * A TCP server on 127.0.0.1 that closes every connection it accepts counts the tries of a read (`whoami`, retried on a
 * lost connection); the CLI runs in this process (test/support/gatehouse-cli.ts).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('kw5: a profile\'s max_attempts, as the aws CLI reads it', () => {
  let dir: string;
  let server: Server;
  let endpoint: string;
  let connections = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-kw5-'));
    await mkdir(join(dir, '.aws'));
    await writeFile(join(dir, '.aws', 'config'), '[profile flaky]\nmax_attempts = 5\n[profile once]\nmax_attempts = 1\n[profile bad]\nmax_attempts = often\n');
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // The profile gives the settings; the keys come from the environment (they never reach a real server).
  const tries = async (profile: string, extra: Record<string, string> = {}) => {
    connections = 0;
    const r = await gatehouseInProcess(['whoami'], { HOME: dir, GATEHOUSE_ENDPOINT: endpoint, AWS_DEFAULT_PROFILE: profile, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00', AWS_SECRET_ACCESS_KEY: 'x', ...extra });
    return { r, connections };
  };

  // A failed command makes one connection beyond its tries (whatever the count): compared with AWS_MAX_ATTEMPTS's.
  const asVariable = async (n: number) => (await tries('none', { AWS_MAX_ATTEMPTS: String(n) })).connections;

  it('max_attempts = 5 in the profile: five tries, as AWS_MAX_ATTEMPTS=5 makes', async () => {
    const { r, connections: n } = await tries('flaky');
    assert.equal(r.code, 10, r.stderr);
    const five = await asVariable(5);
    assert.equal(five - (await asVariable(1)), 4);
    assert.equal(n, five);
  });

  it('max_attempts = 1: one try; AWS_MAX_ATTEMPTS still wins over the profile', async () => {
    assert.equal((await tries('once')).connections, await asVariable(1));
    assert.equal((await tries('once', { AWS_MAX_ATTEMPTS: '2' })).connections, await asVariable(2));
  });

  it('a max_attempts that is no number is refused naming the profile and the file, nothing sent', async () => {
    const { r, connections: n } = await tries('bad');
    assert.equal(r.code, 2, r.stderr);
    assert.equal(n, 0);
    assert.ok(r.stderr.includes(`InvalidMaxAttempts: max_attempts of the profile \`bad\` in \`${join(dir, '.aws', 'config')}\` must be a whole number of at least 1`), r.stderr);
  });
});
