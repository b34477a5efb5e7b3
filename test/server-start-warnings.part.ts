/**
 * What `gatehouse server` says at start about files others may read (review V, V1 and V2): a TLS private key that
 * group or others may read, and a data dir made earlier with a mode open to them, are named with the chmod that
 * fixes them, as a master key file others may read already was. Private ones are not mentioned.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';

const openssl = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

async function startLogs(dir: string, keyMode: number, dataMode: number): Promise<string[]> {
  await chmod(join(dir, 'key.pem'), keyMode);
  const data = join(dir, `data-${dataMode.toString(8)}`);
  await mkdir(data, { mode: dataMode });
  await chmod(data, dataMode);
  const logs: string[] = [];
  const server = await startServer({ dataDir: data, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: (l) => void logs.push(l), tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
  await server.stop();
  return logs;
}

describe('gatehouse server warns at start about secrets others may read', { skip: openssl ? false : 'openssl is absent (apt-get install openssl)' }, () => {
  it('a TLS key and a data dir open to others are named with their chmod; private ones are not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-start-warnings-'));
    try {
      execFileSync(openssl as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const open = await startLogs(dir, 0o644, 0o755);
      assert.ok(open.some((l) => l.includes('warning:') && l.includes('--tls-key') && l.includes(`chmod 600 ${join(dir, 'key.pem')}`)), open.join('\n'));
      assert.ok(open.some((l) => l.includes('warning:') && l.includes('--data-dir') && l.includes('chmod 700')), open.join('\n'));
      const closed = await startLogs(dir, 0o600, 0o700);
      assert.ok(!closed.some((l) => l.includes('warning:') && (l.includes('--tls-key') || l.includes('--data-dir'))), closed.join('\n'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
