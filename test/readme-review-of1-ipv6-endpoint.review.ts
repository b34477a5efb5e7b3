/**
 * Review `readme`, of1: the CLI could not reach a server on an IPv6 address.
 *
 * README.md, "Run it": the server serves its APIs on `--listen`, and on first start writes the admin's key to
 * `.gatehouse/admin-credentials.json`, "whose `Endpoint` each later start points at its own address (`--listen`…)";
 * "the CLI finds it there", and `--endpoint URL` or `GATEHOUSE_ENDPOINT` name another server. `--listen` takes an IPv6
 * address in brackets (`gatehouse server --listen [::1]:8470` serves, and says `gatehouse listening on
 * http://[::1]:8470`), and `Endpoint` is then `http://[::1]:8470`, which the aws CLI and the AWS SDKs reach
 * (`aws sts get-caller-identity --endpoint-url http://[::1]:8470`). The CLI handed the URL's `hostname`, brackets
 * included, to Node's `http.request`, which looks `[::1]` up as a host name: every command against such a server (from
 * its own data dir's file, `--endpoint` or `GATEHOUSE_ENDPOINT`) failed with `ConnectionFailed: … getaddrinfo ENOTFOUND
 * [::1]`, exit 10, the status of a server that is down. Now the address is given without its brackets, as Node's own
 * `http.request(url)` gives it (the `Host` header, and so the signature, keep them).
 *
 * Before the fix 2 of 2 tests failed.
 *
 * The CLI's program in this process (test/support/gatehouse-cli.ts: the executable's file readers, its environment)
 * against a real server listening on [::1].
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';

/** Whether this host has an IPv6 loopback to listen on (a container may have none). */
const ipv6Loopback = (): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });

const skip = (await ipv6Loopback()) ? false : 'no IPv6 loopback (::1) on this host';

describe('review of1: the CLI reaches a server listening on an IPv6 address', { skip }, () => {
  let dir: string;
  let server: RunningServer;
  let keys: { AccessKeyId: string; SecretAccessKey: string; Endpoint: string };
  const base = (): Record<string, string | undefined> => ({ PATH: process.env['PATH'], HOME: dir });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-of1-'));
    server = await startServer({ dataDir: join(dir, 'data'), listen: '[::1]:0', agentListen: '[::1]:0', env: {}, log: () => {}, audit: { maxUnwrittenMs: 30_000 } });
    keys = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as typeof keys;
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('`gatehouse whoami --data-dir DIR`: the server its admin-credentials.json names (http://[::1]:PORT) answers', async () => {
    assert.match(keys.Endpoint, /^http:\/\/\[::1\]:\d+$/, 'the file names the server by its IPv6 address');
    const r = await gatehouseInProcess(['whoami', '--data-dir', join(dir, 'data')], base());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/admin\n/);
  });

  it('`--endpoint http://[::1]:PORT` and GATEHOUSE_ENDPOINT, with exported keys: the command is answered, signed', async () => {
    const env = { ...base(), AWS_ACCESS_KEY_ID: keys.AccessKeyId, AWS_SECRET_ACCESS_KEY: keys.SecretAccessKey };
    const byOption = await gatehouseInProcess(['iam', 'users', 'list', '--json', '--endpoint', server.url], env);
    assert.equal(byOption.code, 0, byOption.stderr);
    assert.deepEqual((JSON.parse(byOption.stdout) as { users: { name: string }[] }).users.map((u) => u.name), ['admin']);
    const byVariable = await gatehouseInProcess(['whoami'], { ...env, GATEHOUSE_ENDPOINT: server.url });
    assert.equal(byVariable.code, 0, byVariable.stderr);
    assert.match(byVariable.stdout, /user\/admin/);
  });
});
