/**
 * Review fu, 2: a socket table that exists but cannot be read was taken as empty. The peer check of a job's metadata
 * endpoint (peer-uid.ts) read `/proc/net/tcp` and `/proc/net/tcp6` and dropped any that failed, for whatever reason,
 * as if it did not exist: with `tcp` unreadable (EACCES under a confined profile, EMFILE when the agent is out of
 * descriptors, which a burst of ranks can bring about) and `tcp6` read, every IPv4 peer, the job's own ranks
 * included, was refused "the connecting process was not found in this host's socket table", which blames the client,
 * and the log said only that a peer was not found (once per endpoint, as a refused uid is said). Only a missing table
 * (ENOENT: not Linux, no `/proc`, IPv6 off) counts as none; one that cannot be read is read once more, and then the
 * endpoint refuses saying the table cannot be read, and the log names the table and the error, once per error.
 *
 * A real metadata endpoint with the uid check, whose tables are a `tcp` that cannot be read (a directory: EISDIR)
 * beside this host's own `tcp6`; the AWS SDK v3 instance-metadata provider and a plain token PUT from this process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromInstanceMetadata } from '@aws-sdk/credential-providers';
import { listenMetadata, type MetadataCredentials } from '../src/adapters/agent/imds.ts';
import { createPeerUids, onlyUid } from '../src/adapters/agent/peer-uid.ts';

const skip = !existsSync('/proc/net/tcp6') && 'needs /proc/net/tcp6';
let dir: string;
let endpoint: { server: Server; port: number } | undefined;
const logs: string[] = [];
const source = async (): Promise<MetadataCredentials> => ({ ok: true, roleName: 'trainer', document: () => Buffer.from('{}') });

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'gh-fu2-'));
  await mkdir(join(dir, 'tcp'));
  await symlink('/proc/net/tcp6', join(dir, 'tcp6'));
  const peers = createPeerUids({ dir, log: (l) => void logs.push(l) });
  const uid = process.getuid?.() ?? 0;
  endpoint = await listenMetadata(source, '127.0.0.1', 0, onlyUid(uid, peers, (peer) => void logs.push(`agent: refused the metadata endpoint to ${peer === undefined ? 'a peer not found in the socket table' : `uid ${peer}`}`)));
});
after(async () => {
  endpoint?.server.closeAllConnections();
  endpoint?.server.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('fu2: a socket table that cannot be read is said to be so, not taken as empty (the client blamed)', { skip }, async () => {
  const base = `http://127.0.0.1:${endpoint?.port}`;
  const put = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
  const text = await put.text();
  assert.equal(put.status, 403);
  assert.doesNotMatch(text, /not found in this host/, 'the process is there: the table could not be read');
  assert.match(text, /^forbidden: this host has no socket table to check which user the connecting process runs as \(\/proc\/net\/tcp cannot be read\)/);

  process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = `${base}/`;
  try {
    await assert.rejects(fromInstanceMetadata({ maxRetries: 0, logger: { debug() {}, info() {}, warn() {}, error() {} } })());
  } finally {
    delete process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
  }
  // Said once, naming the table and the error; no "peer not found".
  assert.deepEqual(logs.filter((l) => /cannot be read/.test(l)), [`agent: ${dir}/tcp cannot be read (EISDIR): the uid of a process connecting to a job's metadata endpoint cannot be checked, so an endpoint whose job's launcher reported its uid refuses every process until it can be read`]);
  assert.deepEqual(logs.filter((l) => /not found/.test(l)), []);
});
