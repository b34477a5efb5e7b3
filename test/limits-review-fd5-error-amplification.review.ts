/**
 * Review fd, 5. A request's errors were not bounded, only its body: every bad element of a list was its own error,
 * listed in the answer with its path and message, so the answer was 50 to 60 times the request, and the errors were
 * built before anything was authorized. `POST /v1/apply` (32 MiB) of a Workspace whose `members` were `[1,1,…]` (16
 * million) grew a server past 4.5 GB and was answered 500 after 20 s (the answer passed V8's longest string); 2 million
 * members that do not exist, from a user with no policies, were answered 510 MiB; 100,000 unknown fields 21 MB.
 *
 * Now one array or object of a `/v1/` body holds at most 10,000 elements (`MAX_BODY_ITEMS`; every list a route takes
 * is shorter), refused 400 before any route reads it, naming its path; and an apply lists at most 1,000 errors
 * (`MAX_APPLY_ERRORS`), the rest counted in one more that says to fix those first. Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let nobody: { accessKeyId: string; secretAccessKey: string };
before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'nobody' }));
  const k = await s.iam().send(new CreateAccessKeyCommand({ UserName: 'nobody' }));
  nobody = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
});
after(() => s?.stop());

type Detail = { code?: string; path?: string; message?: string; document?: number };

async function send(method: string, path: string, body: string, as = nobody): Promise<{ status: number; bytes: number; message: string; details: Detail[] }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: as, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body });
  const r = await fetch(new URL(path, u), { method, headers: signed.headers, body });
  const text = await r.text();
  const json = JSON.parse(text) as { error?: { message?: string; details?: Detail[] } };
  return { status: r.status, bytes: text.length, message: json.error?.message ?? '', details: json.error?.details ?? [] };
}

const workspace = (name: string, members: unknown[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name }, spec: { members } });

test('a list of more than 10,000 elements is refused before any route reads it, naming its path', async () => {
  const members = Array.from({ length: 20_000 }, () => 1);
  const applied = await send('POST', '/v1/apply', JSON.stringify({ dryRun: true, documents: [workspace('w', members)] }));
  assert.equal(applied.status, 400);
  assert.equal(applied.details.length, 1);
  // Said as the document's error, with the path in it, which the CLI places in its file.
  assert.deepEqual([applied.details[0]?.document, applied.details[0]?.path], [0, 'spec.members']);
  assert.match(applied.message, /^document 1: spec\.members: `spec\.members` holds more than 10000 elements/);
  // Before: 20,000 errors, 3 MB.
  assert.ok(applied.bytes < 2_000, `${applied.bytes} bytes`);
  const put = await send('PUT', '/v1/workspaces/w', JSON.stringify({ members: Array.from({ length: 10_001 }, (_, i) => ({ user: `u${i}` })) }), s.admin);
  assert.equal(put.status, 400);
  assert.equal(put.details[0]?.path, 'members');
  const keys = await send('POST', '/v1/apply', JSON.stringify({ dryRun: true, documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'u' }, spec: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`f${i}`, 1])) }] }));
  assert.equal(keys.status, 400);
  assert.deepEqual([keys.details[0]?.document, keys.details[0]?.path], [0, 'spec']);
});

test('an apply lists 1,000 errors and counts the rest', async () => {
  // 10,000 elements each, at the bound: 20,000 bad members in two documents.
  const bad = Array.from({ length: 10_000 }, () => 1);
  const r = await send('POST', '/v1/apply', JSON.stringify({ dryRun: true, documents: [workspace('a', bad), workspace('b', bad)] }));
  assert.equal(r.status, 400);
  assert.equal(r.details.length, 1001);
  assert.deepEqual([r.details[0]?.path, r.details[0]?.document], ['spec.members[0]', 0]);
  assert.equal(r.details[1000]?.message, '19000 more errors are not listed (an apply lists 1000): fix these and apply again');
  assert.ok(r.bytes < 400_000, `${r.bytes} bytes`);
  // Members that do not exist, found while planning: the same bound (before: one error each, 26 MB for 100,000). Asked
  // by the admin: a plan decides the caller's read of each object before it reports anything about it (review td, 1),
  // so `nobody` is refused that read first.
  const missing = Array.from({ length: 10_000 }, (_, i) => ({ user: `nobody-${i}` }));
  const m = await send('POST', '/v1/apply', JSON.stringify({ dryRun: true, documents: [workspace('c', missing), workspace('d', missing)] }), s.admin);
  assert.equal(m.status, 404);
  assert.equal(m.details.length, 1001);
  assert.match(m.details[0]?.message ?? '', /user `nobody-0` does not exist/);
  assert.equal(m.details[1000]?.message, '19000 more errors are not listed (an apply lists 1000): fix these and apply again');
});

test('an apply with fewer errors lists every one', async () => {
  const r = await send('POST', '/v1/apply', JSON.stringify({ dryRun: true, documents: [workspace('a', [1, 2, { user: 'x', group: 'y' }])] }));
  assert.equal(r.status, 400);
  assert.equal(r.details.length, 3);
  assert.doesNotMatch(JSON.stringify(r.details), /not listed/);
});

test('gatehouse plan places the refusal at the list in its file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-fd5-'));
  try {
    const file = join(dir, 'big.yaml');
    const lines = ['apiVersion: gatehouse.dev/v1', 'kind: Workspace', 'metadata: {name: big}', 'spec:', '  members:', ...Array.from({ length: 10_001 }, (_, i) => `  - user: u${i}`)];
    await writeFile(file, `${lines.join('\n')}\n`);
    const r = await gatehouseInProcess(['plan', '-f', file], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:3: document 1: spec\\.members: \`spec\\.members\` holds more than 10000 elements`, 'm'), r.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
