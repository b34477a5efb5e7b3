/**
 * A server with a certificate of a private CA (review cli, H9): the README sends the console and the webhooks to HTTPS
 * (`--tls-cert`), and then every CLI command failed with `ConnectionFailed: … self-signed certificate; if the root CA
 * is installed locally, try running Node.js with --use-system-ca (set GATEHOUSE_ENDPOINT or --endpoint)`: advice no
 * gatehouse user can follow, an endpoint that was right, and no way to trust the CA but NODE_EXTRA_CA_CERTS, which
 * nothing said. `AWS_CA_BUNDLE`, the aws CLI's and the SDKs' variable, was ignored. Now it is read (a PEM file, which
 * replaces Node's roots as it replaces the aws CLI's; NODE_EXTRA_CA_CERTS still adds to it), and an untrusted
 * certificate is said as such (UntrustedCertificate), naming AWS_CA_BUNDLE. A real server on 127.0.0.1 with a
 * self-signed certificate made with openssl; the CLI's program in this process with the environment given to it
 * (test/support/gatehouse-cli.ts), and the binary for NODE_EXTRA_CA_CERTS, which Node reads as its process starts.
 * Skips without openssl.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { GATEHOUSE_BIN, run } from './support/processes.ts';

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe('an https endpoint with a certificate of a private CA', { skip: OPENSSL === undefined ? 'openssl is absent (apt-get install openssl)' : false }, () => {
  let dir: string;
  let server: RunningServer;
  let admin: { AccessKeyId: string; SecretAccessKey: string };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-h9-'));
    execFileSync(OPENSSL as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    admin = JSON.parse(await readFile(join(dir, 'data', 'admin-credentials.json'), 'utf8')) as typeof admin;
    await writeFile(join(dir, 'not-pem.txt'), 'hello\n');
  });
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Nothing inherited: no NODE_EXTRA_CA_CERTS, no AWS_CA_BUNDLE of this machine.
  const env = (extra: Record<string, string>) => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: admin.AccessKeyId, AWS_SECRET_ACCESS_KEY: admin.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url, ...extra });
  const whoami = (extra: Record<string, string>) => gatehouseInProcess(['whoami'], env(extra));
  /** The executable: NODE_EXTRA_CA_CERTS is read by Node as the process starts, not from a command's environment. */
  const whoamiProcess = (extra: Record<string, string>) => run(process.execPath, [GATEHOUSE_BIN, 'whoami'], env(extra), { timeoutMs: 30_000 });

  it('AWS_CA_BUNDLE with the certificate: the command works', async () => {
    assert.match(server.url, /^https:\/\//);
    const r = await whoami({ AWS_CA_BUNDLE: join(dir, 'cert.pem') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/admin\n/);
  });

  it('without it: UntrustedCertificate naming AWS_CA_BUNDLE, not Node advice or the endpoint', async () => {
    const r = await whoami({});
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /^gatehouse: UntrustedCertificate: the certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted \(self-signed certificate\): set AWS_CA_BUNDLE to a PEM file/);
    assert.doesNotMatch(r.stderr, /--use-system-ca|set GATEHOUSE_ENDPOINT/);
  });

  it('an AWS_CA_BUNDLE that is missing or not PEM: exit 5, saying which', async () => {
    const missing = await whoami({ AWS_CA_BUNDLE: join(dir, 'nothing.pem') });
    assert.equal(missing.code, 5, missing.stderr);
    assert.match(missing.stderr, /InvalidCaBundle: cannot read AWS_CA_BUNDLE `.*nothing\.pem`/);
    const text = await whoami({ AWS_CA_BUNDLE: join(dir, 'not-pem.txt') });
    assert.equal(text.code, 5, text.stderr);
    assert.match(text.stderr, /holds no PEM certificate/);
  });

  it('NODE_EXTRA_CA_CERTS still adds to AWS_CA_BUNDLE (a host that sets AWS_CA_BUNDLE for everything)', async () => {
    if (!existsSync('/etc/ssl/certs/ca-certificates.crt')) return;
    const r = await whoamiProcess({ AWS_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt', NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') });
    assert.equal(r.code, 0, r.stderr);
  });
});
