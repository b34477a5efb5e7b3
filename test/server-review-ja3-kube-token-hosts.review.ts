/**
 * Review ja, 3: GATEHOUSE_KUBE_TOKEN_HOSTS lists the further `host[:port]` names of this server that a k8s-aws-v1
 * token may name (a Service or load balancer name). Any entry was taken as it was written: given as a URL
 * (`https://gatehouse.example.com`, the shape every other address setting of the server takes), with a path or with a
 * space, it matched no token, and every token naming that host was refused by the authentication webhook (`host ... is
 * neither this server nor sts.amazonaws.com`), while the start said nothing of it: `kubectl` users were refused and the
 * operator had only the API server's log to go on. Now an entry that is not a host[:port] is refused at start (exit 2,
 * before anything is made), naming the entry and, for a URL, the host to give instead.
 * Real `startServer` (src/main/server.ts), as `gatehouse server` runs it.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExitCode, startServer } from '../src/main/server.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gh-review-ja3-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const start = (hosts: string, dataDir: string) => startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_KUBE_TOKEN_HOSTS: hosts }, log: () => undefined });

async function refused(hosts: string): Promise<Error> {
  const dataDir = join(root, `refused-${Math.random().toString(36).slice(2)}`);
  try {
    const s = await start(hosts, dataDir);
    await s.stop();
  } catch (e) {
    assert.equal(startExitCode(e), EXIT.usage, (e as Error).message);
    await assert.rejects(readdir(dataDir), { code: 'ENOENT' }, 'the data dir was made');
    return e as Error;
  }
  assert.fail(`GATEHOUSE_KUBE_TOKEN_HOSTS=${hosts} was taken`);
}

describe('review ja3: GATEHOUSE_KUBE_TOKEN_HOSTS takes host[:port] names only', () => {
  it('a URL is refused, naming the host to give', async () => {
    const e = await refused('gatehouse.gatehouse.svc:8470, https://gatehouse.example.com');
    assert.match(e.message, /^GATEHOUSE_KUBE_TOKEN_HOSTS: `https:\/\/gatehouse\.example\.com` is not a host\[:port\]; give the host of a URL, not the URL: `gatehouse\.example\.com`$/);
  });

  it('a host with a path, a space or a bad port is refused', async () => {
    for (const bad of ['gatehouse.example.com/', 'gatehouse example.com', 'gatehouse.example.com:99999', 'gatehouse.example.com:']) {
      assert.match((await refused(bad)).message, /is not a host\[:port\]; give host names or addresses/, bad);
    }
  });

  it('a URL with credentials is refused without them', async () => {
    const e = await refused('https://ops:t0ps3cret@gatehouse.example.com');
    assert.doesNotMatch(e.message, /t0ps3cret/);
    assert.match(e.message, /`gatehouse\.example\.com`$/);
  });

  it('host names, addresses and ports are taken (unchanged)', async () => {
    const s = await start(' gatehouse.example.com , gatehouse.gatehouse.svc.cluster.local:8470,10.0.0.7:443,[fd00::7]:8470,,LB.Example.COM.', join(root, 'good'));
    await s.stop();
  });
});
