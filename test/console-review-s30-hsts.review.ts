/**
 * Stop 30: the console over HTTPS (`--tls-cert`) is served with `Strict-Transport-Security`, so a browser that
 * reached it once keeps to HTTPS for that host (RFC 6797): a later `http://` link or a downgrade on the network never
 * carries the page that signs admin calls. Over plain HTTP it is not sent (browsers ignore it there). Real server,
 * a throwaway certificate from openssl.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';

const openssl = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

const headersOf = (url: string, ca?: string): Promise<Record<string, string | string[] | undefined>> =>
  new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    get(url, ca !== undefined ? { ca } : {}, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers));
    }).on('error', reject);
  });

describe('Strict-Transport-Security on the console', { skip: openssl ? false : 'openssl is absent (apt-get install openssl)' }, () => {
  let dir = '';
  let tls: RunningServer;
  let plain: RunningServer;
  let ca = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-hsts-'));
    execFileSync(openssl as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = await readFile(join(dir, 'cert.pem'), 'utf8');
    tls = await startServer({ dataDir: join(dir, 'tls'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    plain = await startServer({ dataDir: join(dir, 'plain'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {} });
  });
  after(async () => {
    await tls?.stop();
    await plain?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('over HTTPS every console answer carries it (the page, a file, a 404, the /ui redirect)', async () => {
    for (const path of ['/ui/', '/ui/console.js', '/ui/nope', '/ui']) {
      const h = await headersOf(`${tls.url}${path}`, ca);
      assert.equal(h['strict-transport-security'], 'max-age=31536000', path);
      assert.equal(h['x-frame-options'], 'DENY', `${path}: the other headers stay`);
    }
  });

  it('over plain HTTP it is not sent', async () => {
    const h = await headersOf(`${plain.url}/ui/`);
    assert.equal(h['strict-transport-security'], undefined);
    assert.equal(h['x-frame-options'], 'DENY');
  });
});
