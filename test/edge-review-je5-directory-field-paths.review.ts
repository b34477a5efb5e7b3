/**
 * Review je, 5. The admin API promises every error "with its code, message, JSON `path`" (docs/errors.md), and a client
 * (the console, a script) points at the field at fault by that path. Creating a user, group, role or managed policy
 * (`POST /v1/users`, `/v1/groups`, `/v1/roles`, `/v1/policies`) with a name, path, description, session duration or
 * tags the directory refuses answered `details[0].path` `""`: the message said `UserName` (IAM's parameter, not a field
 * of the body) or nothing at all (`Description must be a string of at most 1000 characters`), so the client had to
 * guess which of the body's fields was meant.
 *
 * Now the directory's create use cases name the refused parameter (`UserName`, `Path`, `Tags`…), and the admin API gives
 * it as the body's field (`name`, `path`, `tags`, `description`, `maxSessionDuration`). The IAM Query API's answers
 * are unchanged (AWS's XML has no path). Real server (SQLite), SigV4-signed.
 *
 * Before the fix 4 of 5 tests failed (the last, a guard, passed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let trust = {};
before(async () => {
  s = await startTestServer();
  trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.adminFile.AccountId}:root` }, Action: 'sts:AssumeRole' }] };
});
after(() => s?.stop());

const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

async function refusedAt(path: string, body: unknown): Promise<string> {
  const u = new URL(s.url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body: text });
  const r = await fetch(new URL(path, u), { method: 'POST', headers: signed.headers, body: text });
  const answer = await r.text();
  assert.equal(r.status, 400, answer);
  const e = (JSON.parse(answer) as { error: { gatehouseCode: string; details: { path: string }[] } }).error;
  assert.equal(e.gatehouseCode, 'VALIDATION_ERROR', answer);
  return e.details[0]?.path ?? '(none)';
}

test('POST /v1/users: a bad name, path or tags is refused at that field', async () => {
  assert.equal(await refusedAt('/v1/users', { name: 'a b' }), 'name');
  assert.equal(await refusedAt('/v1/users', { name: 'je5', path: 'nopath' }), 'path');
  assert.equal(await refusedAt('/v1/users', { name: 'je5', tags: [{ key: 'aws:reserved', value: 'v' }] }), 'tags[0].key', 'the tag refused, at its element (review nd, 3)');
});

test('POST /v1/groups: a bad name or path is refused at that field', async () => {
  assert.equal(await refusedAt('/v1/groups', { name: 'g'.repeat(200) }), 'name');
  assert.equal(await refusedAt('/v1/groups', { name: 'je5', path: 'nopath' }), 'path');
});

test('POST /v1/roles: a bad name, description or maxSessionDuration is refused at that field', async () => {
  assert.equal(await refusedAt('/v1/roles', { name: 'a b', trustPolicy: trust }), 'name');
  assert.equal(await refusedAt('/v1/roles', { name: 'je5', trustPolicy: trust, description: 'd'.repeat(1001) }), 'description');
  assert.equal(await refusedAt('/v1/roles', { name: 'je5', trustPolicy: trust, maxSessionDuration: 10 }), 'maxSessionDuration');
});

test('POST /v1/policies: a bad name or path is refused at that field', async () => {
  assert.equal(await refusedAt('/v1/policies', { name: 'a b', document: doc }), 'name');
  assert.equal(await refusedAt('/v1/policies', { name: 'je5', document: doc, path: 'nopath' }), 'path');
});

test('the IAM Query API refuses the same name as before, in its own words', async () => {
  const e = await s.iam().send(new CreateUserCommand({ UserName: 'a b' })).then(
    () => assert.fail('accepted'),
    (x: unknown) => x as { name: string; message: string },
  );
  assert.equal(e.name, 'ValidationError');
  assert.match(e.message, /UserName/);
  // A policy document's own element named like a parameter keeps its place in the document.
  assert.equal(await refusedAt('/v1/policies', { name: 'je5b', document: JSON.stringify({ ...doc, Tags: 1 }) }).catch(() => 'not a validation error'), 'not a validation error');
});
