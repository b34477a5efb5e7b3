/**
 * Review fd, 4. An access entry's `kubernetesGroups` were deduplicated with `groups.includes(g)` for each name, and
 * their bound (100, `MAX_GROUPS`) counted only after the whole list: quadratic in the list, before any permission was
 * checked. 200,000 distinct names (1.9 MB, under the 4 MiB of `/v1/`) held the server's event loop 30 s, and every
 * other client waited; a caller with no permission at all could send them, to
 * `POST /v1/clusters/{name}/access-entries` or as an `AccessEntry` document to `POST /v1/apply` (32 MiB: hours), for
 * a principal that does not exist.
 *
 * Now the names go into a set and the list is refused at the first name past the bound: the same 409 LimitExceeded,
 * at once. (Since review fd, 5, a `/v1/` list holds at most 10,000 elements, refused before the route: the parser is
 * asked about 200,000 directly.) Real server (SQLite), SigV4-signed as a user without policies.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { parseAccessEntrySpec } from '../src/core/kube/index.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let nobody: { accessKeyId: string; secretAccessKey: string };
before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'nobody' }));
  const k = await s.iam().send(new CreateAccessKeyCommand({ UserName: 'nobody' }));
  nobody = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  const cluster = await post('/v1/clusters/gpu', '{}', 'PUT', s.admin);
  assert.equal(cluster.status, 200, cluster.text);
});
after(() => s?.stop());

async function post(path: string, body: string, method = 'POST', as: { accessKeyId: string; secretAccessKey: string } = nobody): Promise<{ status: number; text: string; ms: number }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: as, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body });
  const started = performance.now();
  const r = await fetch(new URL(path, u), { method, headers: signed.headers, body });
  const text = await r.text();
  return { status: r.status, text, ms: performance.now() - started };
}

test('200,000 groups are refused at once by the parser, and 10,000 (the most a /v1/ list holds, review fd 5) through both doors', async () => {
  // The parser, as every door calls it: 30 s before.
  const started = performance.now();
  const parsed = parseAccessEntrySpec({ principalArn: 'arn:aws:iam::000000000000:role/none', kubernetesGroups: Array.from({ length: 200_000 }, (_, i) => `group-${i}`) }, 'spec');
  const ms = performance.now() - started;
  assert.equal(parsed.ok, false);
  assert.deepEqual(parsed.ok ? undefined : [parsed.errors[0]?.code, parsed.errors[0]?.path], ['LIMIT_EXCEEDED', 'spec.kubernetesGroups']);
  assert.ok(ms < 1_000, `the parser took ${Math.round(ms)} ms`);

  const groups = Array.from({ length: 10_000 }, (_, i) => `group-${i}`);
  const direct = await post('/v1/clusters/gpu/access-entries', JSON.stringify({ principalArn: 'arn:aws:iam::000000000000:role/none', kubernetesGroups: groups }));
  const applied = await post(
    '/v1/apply',
    JSON.stringify({ dryRun: true, documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'e' }, spec: { cluster: 'gpu', principalArn: 'arn:aws:iam::000000000000:role/none', kubernetesGroups: groups } }] }),
  );
  assert.equal(applied.status, 409, applied.text.slice(0, 300));
  assert.match(applied.text, /an access entry has at most 100 groups/);
  assert.match(applied.text, /"path":"spec\.kubernetesGroups"/);
  assert.equal(direct.status, 409, direct.text.slice(0, 300));
  assert.match(direct.text, /an access entry has at most 100 groups/);
});

test('100 distinct groups, repeated, are one entry\'s groups, in order', async () => {
  const hundred = Array.from({ length: 100 }, (_, i) => `g${i}`);
  const r = await post('/v1/apply', JSON.stringify({ dryRun: true, documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'e' }, spec: { cluster: 'gpu', principalArn: 'arn:aws:iam::000000000000:role/none', kubernetesGroups: [...hundred, ...hundred, 'g0'] } }] }));
  // Past the groups, the document fails on what it names (no such principal), not on their count.
  assert.doesNotMatch(r.text, /at most 100 groups/, r.text.slice(0, 300));
  const over = await post('/v1/apply', JSON.stringify({ dryRun: true, documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'e' }, spec: { cluster: 'gpu', principalArn: 'arn:aws:iam::000000000000:role/none', kubernetesGroups: [...hundred, 'g100'] } }] }));
  assert.equal(over.status, 409);
  assert.match(over.text, /at most 100 groups/);
});
