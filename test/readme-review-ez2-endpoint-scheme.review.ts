/**
 * Review `readme`, ez2: an endpoint of the wrong scheme, a newcomer's first slip between the README's
 * `http://127.0.0.1:8470` and §6's `--tls-cert` server, was reported as something else, and a change as perhaps made.
 *
 * - `https://` to a server without `--tls-cert`: `ConnectionFailed: … write EPROTO C07C…:error:0A0000C6:SSL
 *   routines:tls_get_more_records:packet length too long:../deps/openssl/…/tls_common.c:662:` and a line break
 *   inside the message; for a change (`apply`, `iam users create`) `OutcomeUnknown` (exit 11), "it may or may not have
 *   been carried out": Node's `finish` fires once the request is written into the TLS socket, before the handshake
 *   that then failed, so the CLI took it as sent.
 * - `http://` to a server with `--tls-cert`: `socket hang up` for a read, and for a change `OutcomeUnknown` (exit 11)
 *   with `Parse Error: Expected HTTP/` (the server's TLS alert).
 *
 * The server read nothing of the request either way. Now the CLI asks the same address in the other scheme and says
 * which to use (`use http://…` / `use https://…`, exit 10, one line), and a change is never OutcomeUnknown for it.
 * Two real servers on 127.0.0.1, one with a self-signed certificate made with openssl (skips without openssl), and the
 * CLI's program in this process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe('an endpoint of the other scheme', { skip: OPENSSL === undefined ? 'openssl is absent (apt-get install openssl)' : false }, () => {
  let dir: string;
  let plain: RunningServer;
  let tls: RunningServer;
  let plainAdmin: { AccessKeyId: string; SecretAccessKey: string };
  let tlsAdmin: { AccessKeyId: string; SecretAccessKey: string };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-ez2-'));
    execFileSync(OPENSSL as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    plain = await startServer({ dataDir: join(dir, 'plain'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {} });
    tls = await startServer({ dataDir: join(dir, 'tls'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    plainAdmin = JSON.parse(await readFile(join(dir, 'plain', 'admin-credentials.json'), 'utf8')) as typeof plainAdmin;
    tlsAdmin = JSON.parse(await readFile(join(dir, 'tls', 'admin-credentials.json'), 'utf8')) as typeof tlsAdmin;
  });
  after(async () => {
    await plain?.stop();
    await tls?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = (args: string[], admin: { AccessKeyId: string; SecretAccessKey: string }, endpoint: string) =>
    gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: admin.AccessKeyId, AWS_SECRET_ACCESS_KEY: admin.SecretAccessKey, AWS_CA_BUNDLE: join(dir, 'cert.pem'), GATEHOUSE_ENDPOINT: endpoint });

  it('https:// to a plain-HTTP server: says to use http://, on one line, without OpenSSL', async () => {
    assert.match(plain.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const wrong = plain.url.replace(/^http:/, 'https:');
    const r = await cli(['whoami'], plainAdmin, wrong);
    assert.equal(r.code, 10, r.stderr);
    assert.equal(r.stderr, `gatehouse: ConnectionFailed: the server at ${wrong} answers plain HTTP, not TLS: use ${plain.url} (set GATEHOUSE_ENDPOINT or --endpoint; \`gatehouse server\` speaks HTTPS only with --tls-cert and --tls-key); nothing was sent\n`);
  });

  it('https:// to a plain-HTTP server: a change is not "may or may not have been carried out" (exit 10, not 11), and was not', async () => {
    const r = await cli(['iam', 'users', 'create', 'ez2-a'], plainAdmin, plain.url.replace(/^http:/, 'https:'));
    assert.equal(r.code, 10, r.stderr);
    assert.doesNotMatch(r.stderr, /OutcomeUnknown|may or may not|EPROTO|openssl/);
    assert.match(r.stderr, /use http:\/\/127\.0\.0\.1:\d+ /);
    const get = await cli(['iam', 'users', 'get', 'ez2-a'], plainAdmin, plain.url);
    assert.equal(get.code, 6, get.stderr);
  });

  it('http:// to a server with --tls-cert: says to use https://', async () => {
    assert.match(tls.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const wrong = tls.url.replace(/^https:/, 'http:');
    const r = await cli(['whoami'], tlsAdmin, wrong);
    assert.equal(r.code, 10, r.stderr);
    assert.equal(r.stderr, `gatehouse: ConnectionFailed: the server at ${wrong} speaks HTTPS (started with --tls-cert): use ${tls.url} (set GATEHOUSE_ENDPOINT or --endpoint; AWS_CA_BUNDLE for a private CA); it read nothing of the request\n`);
  });

  it('http:// to a server with --tls-cert: a change is exit 10 naming https://, not OutcomeUnknown, and was not made', async () => {
    const r = await cli(['iam', 'users', 'create', 'ez2-b'], tlsAdmin, tls.url.replace(/^https:/, 'http:'));
    assert.equal(r.code, 10, r.stderr);
    assert.doesNotMatch(r.stderr, /OutcomeUnknown|may or may not|Parse Error/);
    assert.match(r.stderr, /use https:\/\/127\.0\.0\.1:\d+ /);
    const get = await cli(['iam', 'users', 'get', 'ez2-b'], tlsAdmin, tls.url);
    assert.equal(get.code, 6, get.stderr);
  });

  it('each scheme where it belongs still works, and a port nothing listens on is still "connection refused"', async () => {
    assert.equal((await cli(['whoami'], plainAdmin, plain.url)).code, 0);
    assert.equal((await cli(['whoami'], tlsAdmin, tls.url)).code, 0);
    const created = await cli(['iam', 'users', 'create', 'ez2-c'], tlsAdmin, tls.url);
    assert.equal(created.code, 0, created.stderr);
    const refused = await cli(['whoami'], plainAdmin, 'http://127.0.0.1:9');
    assert.equal(refused.code, 10, refused.stderr);
    assert.match(refused.stderr, /connection refused; is `gatehouse server` running there\?/);
  });
});
