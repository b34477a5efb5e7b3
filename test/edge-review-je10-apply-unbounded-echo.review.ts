/**
 * Review je, 10. As review je, 1 found on the API's fields, several refusals of `gatehouse apply` documents quoted the
 * value at fault whole (an apply body reads up to 32 MiB): a Role's `maxSessionDuration` that is not a number, an
 * Account's `partition`, a Workspace's `defaultBucket` and member `group`, and a policy named in `spec.policies`.
 * Each came back in full, in the message and again in `details`.
 *
 * Now each quotes its first 80 characters and the length (`shortName`), naming the field as before. Real server
 * (SQLite), `POST /v1/apply` (dry run) SigV4-signed.
 *
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

const LONG = 'q'.repeat(5000);
const RUN = 'q'.repeat(200);

async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const u = new URL(s.url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body: text });
  const r = await fetch(new URL(path, u), { method: 'POST', headers: signed.headers, body: text });
  return { status: r.status, text: await r.text() };
}

async function refusedInPart(doc: Record<string, unknown>, path: string): Promise<void> {
  const r = await post('/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', ...doc }], dryRun: true });
  assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(!r.text.includes(RUN), `the answer quotes the value whole (${r.text.length} bytes): ${r.text.slice(0, 300)}`);
  const e = (JSON.parse(r.text) as { error: { message: string; details: { path: string }[] } }).error;
  assert.equal(e.details[0]?.path, path, r.text.slice(0, 300));
  assert.match(e.message, /5\d{3} characters/, e.message.slice(0, 300));
}

const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };

test("a Role's maxSessionDuration", async () => {
  await refusedInPart({ kind: 'Role', metadata: { name: 'r' }, spec: { trustPolicy: trust, maxSessionDuration: LONG } }, 'spec.maxSessionDuration');
});

test("an Account's partition", async () => {
  await refusedInPart({ kind: 'Account', metadata: { name: '123456789012' }, spec: { partition: LONG } }, 'spec.partition');
});

test("a Workspace's defaultBucket", async () => {
  await refusedInPart({ kind: 'Workspace', metadata: { name: 'w' }, spec: { defaultBucket: LONG } }, 'spec.defaultBucket');
});

test("a Workspace's member group that does not exist", async () => {
  await refusedInPart({ kind: 'Workspace', metadata: { name: 'w' }, spec: { members: [{ group: LONG }] } }, 'spec.members[0].group');
});

test('a policy named in spec.policies that does not exist', async () => {
  await refusedInPart({ kind: 'Group', metadata: { name: 'g' }, spec: { policies: [LONG] } }, 'spec.policies[0]');
});
