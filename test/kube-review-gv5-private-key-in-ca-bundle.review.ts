/**
 * Review gv, 5: the server's TLS private key was handed out as a CA bundle. A combined PEM (private key and
 * certificate in one file, as many tools write them) given as both `--tls-cert` and `--tls-key` starts the server, and
 * `POST /v1/clusters/{name}/webhook-config` answered the `--tls-cert` file whole as `caBundle`: `gatehouse kube
 * webhook-config` then wrote `-----BEGIN PRIVATE KEY-----` into the three kubeconfigs' `certificate-authority-data` and
 * the MutatingWebhookConfiguration's `caBundle`, which the operator applies to the cluster (kept in etcd, readable by
 * whoever may read webhook configurations). `--ca-file` given the key file by mistake did the same. Now the server hands
 * out the certificate blocks of `--tls-cert` only, and a `--ca-file` holding a private key, or no certificate, is
 * refused (exit 2) before anything is written.
 *
 * Real server over HTTPS (certificate made with `openssl`; skipped without it), the CLI as the executable runs it,
 * trusting the certificate through AWS_CA_BUNDLE.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { gatehouseCliEnv } from './support/processes.ts';

function which(cmd: string): string | undefined {
  try {
    return execFileSync('/bin/sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const openssl = which('openssl');
let dir = '';
let server: RunningServer;
let env: NodeJS.ProcessEnv = {};
let cert = '';

const cli = (args: readonly string[]) => gatehouseInProcess(args, env);
const PRIVATE_KEY = /PRIVATE KEY/;

describe('the CA bundle never carries a private key (review gv, 5)', { skip: openssl ? false : 'openssl is absent (apt-get install openssl)' }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-gv5-'));
    execFileSync(openssl as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    const combined = join(dir, 'combined.pem');
    await writeFile(combined, `${await readFile(join(dir, 'key.pem'), 'utf8')}${cert}`, { mode: 0o600 });
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, tlsCert: combined, tlsKey: combined });
    assert.match(server.url, /^https:\/\//);
    const admin = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    env = gatehouseCliEnv({ accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey }, { endpoint: server.url, home: dir, extraEnv: { AWS_CA_BUNDLE: join(dir, 'cert.pem') } });
    await writeFile(join(dir, 'cluster.yaml'), 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: k1\nspec: {}\n');
    const r = await cli(['apply', '-f', join(dir, 'cluster.yaml')]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await server?.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  test('a server started with a combined PEM hands out its certificate, not its key', async () => {
    const answer = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', join(dir, 'out'), '--json']);
    assert.equal(answer.code, 0, answer.stderr);
    for (const f of await readdir(join(dir, 'out'))) {
      const text = await readFile(join(dir, 'out', f), 'utf8');
      for (const m of text.matchAll(/(?:certificate-authority-data|caBundle): (\S+)/g)) {
        const pem = Buffer.from(m[1] as string, 'base64').toString('utf8');
        assert.doesNotMatch(pem, PRIVATE_KEY, `${f} carries the server's private key`);
        assert.equal(pem, cert, `${f}: the server's certificate, as kube-apiserver verifies it`);
      }
    }
    assert.match(await readFile(join(dir, 'out', 'mutating-webhook.yaml'), 'utf8'), /caBundle: /);
  });

  test('--ca-file holding a private key, or no certificate, is refused and nothing written', async () => {
    await writeFile(join(dir, 'notes.txt'), 'not a certificate\n');
    for (const [file, said] of [
      [join(dir, 'key.pem'), /holds a private key/],
      [join(dir, 'combined.pem'), /holds a private key/],
      [join(dir, 'notes.txt'), /no PEM certificate/],
    ] as const) {
      const out = join(dir, `refused-${file.length}-${said.source.length}`);
      const r = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', out, '--ca-file', file]);
      assert.equal(r.code, 2, `${file}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, said);
      assert.doesNotMatch(r.stderr, /MIG|BEGIN PRIVATE|not a certificate/, 'the file is not echoed');
      assert.equal(await stat(out).then(() => true, () => false), false, 'nothing written');
    }
    const ok = await cli(['kube', 'webhook-config', '--cluster', 'k1', '--out', join(dir, 'good'), '--ca-file', join(dir, 'cert.pem')]);
    assert.equal(ok.code, 0, ok.stderr);
    const k = await readFile(join(dir, 'good', 'authorization-webhook.kubeconfig'), 'utf8');
    assert.equal(Buffer.from(/certificate-authority-data: (\S+)/.exec(k)?.[1] ?? '', 'base64').toString('utf8'), cert);
  });
});
