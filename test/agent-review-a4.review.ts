/**
 * Review agent, A4: a job's metadata endpoint whose launcher reported its uid refuses every process when the uid
 * of a connecting process cannot be checked (no `/proc/net/tcp`: not Linux, `/proc` not mounted). The endpoint
 * carries no capability, and the peer check served everyone in that case, so on such a host any user's process
 * that found the port read the job's credentials, as if no uid had been reported. Checked with the real AWS SDK v3
 * instance-metadata provider against the endpoint (imds.ts `listenMetadata` with peer-uid.ts `onlyUid`, as the
 * server and the node agent open it): refused (403 on the token PUT, 403 on the credential paths, with a message
 * that says why and where to read credentials instead), while the same endpoint over the real table serves it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { listenMetadata, type MetadataCredentials } from '../src/adapters/agent/imds.ts';
import { createPeerUids, onlyUid } from '../src/adapters/agent/peer-uid.ts';
import { imdsCredentials } from './support/relay-world.ts';

const doc = { Code: 'Success', AccessKeyId: 'ASIAREVIEWA4EXAMPLE1', SecretAccessKey: 's', Token: 't', Expiration: new Date(Date.now() + 3 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z') };
const source = async (): Promise<MetadataCredentials> => ({ ok: true, roleName: 'trainer', document: () => Buffer.from(JSON.stringify(doc)) });
const uid = process.getuid?.() ?? 0;

async function withEndpoint(dir: string | undefined, f: (url: string, logs: string[]) => Promise<void>): Promise<void> {
  const logs: string[] = [];
  const peers = createPeerUids({ ...(dir !== undefined ? { dir } : {}), log: (l) => logs.push(l) });
  const { server, port } = await listenMetadata(source, '127.0.0.1', 0, onlyUid(uid, peers, () => {}));
  try {
    await f(`http://127.0.0.1:${port}`, logs);
  } finally {
    await new Promise<void>((r) => (server as Server).close(() => r()));
  }
}

async function sdk(url: string): Promise<string> {
  return (await imdsCredentials(url)).accessKeyId;
}

test('A4: without a socket table to check the peer uid, the endpoint refuses, saying why', async () => {
  await withEndpoint('/nonexistent/proc/net', async (url, logs) => {
    const put = await fetch(`${url}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
    assert.equal(put.status, 403);
    assert.match(await put.text(), /^forbidden: this host has no socket table to check which user the connecting process runs as .*AWS_CONTAINER_CREDENTIALS_FULL_URI/);
    const get = await fetch(`${url}/latest/meta-data/iam/security-credentials/trainer`);
    assert.equal(get.status, 403);
    await get.body?.cancel();
    await assert.rejects(sdk(url));
    assert.equal(logs.length, 1);
    assert.match(logs[0] ?? '', /refuses every process/);
  });
});

test('A4: with the table, the launcher\'s uid is still served', { skip: !existsSync('/proc/net/tcp') && 'needs /proc/net/tcp' }, async () => {
  await withEndpoint(undefined, async (url) => {
    assert.equal(await sdk(url), doc.AccessKeyId);
  });
});
