/**
 * Review fy, 2: a policy document holding a character outside the Basic Multilingual Plane (an emoji in a condition
 * value, a Sid pasted from chat) was refused, rightly (IAM's policyDocumentType allows only tab, newline, carriage
 * return and U+0020–U+00FF), but the MalformedPolicyDocument named `U+D83D`, the first half of its UTF-16 surrogate
 * pair: a character the author wrote nowhere and could not search for. Now it names the character written (`U+1F600`),
 * at the same element, for a text document (IAM API) and an object one (`gatehouse apply`). Real server; SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { parsePolicy } from '../src/core/iam/index.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'u' }));
});
after(async () => {
  await server?.stop();
});

const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/mood': 'happy 😀' } } }] };

test('CreatePolicy and PutUserPolicy name the character written, U+1F600', async () => {
  for (const call of [
    iam.send(new I.CreatePolicyCommand({ PolicyName: 'emoji', PolicyDocument: JSON.stringify(doc) })),
    iam.send(new I.PutUserPolicyCommand({ UserName: 'u', PolicyName: 'emoji', PolicyDocument: JSON.stringify(doc) })),
  ]) {
    const f = await sdkFailure(call);
    assert.equal(f.code, 'MalformedPolicyDocument');
    assert.match(f.message, /character U\+1F600 is not allowed/);
    assert.doesNotMatch(f.message, /U\+D83D/);
    assert.match(f.message, /Statement\[0\]\.Condition\.StringEquals\.aws:PrincipalTag\/mood/);
  }
});

test('a document given as an object (as apply gives it) names it too, at its element', () => {
  const r = parsePolicy(doc, { kind: 'identity', written: true });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.errors[0]?.message ?? '', /character U\+1F600 is not allowed/);
  assert.equal(r.errors[0]?.path, 'Statement[0].Condition.StringEquals.aws:PrincipalTag/mood');
});

test('a lone surrogate is still named as it is, and Latin-1 is still taken', async () => {
  // No SDK sends a lone surrogate (it cannot be URL-encoded), so the parser is asked directly.
  const lone = parsePolicy(JSON.stringify(doc).replace('😀', '\uD83D'), { kind: 'identity', written: true });
  assert.equal(lone.ok, false);
  if (!lone.ok) assert.match(lone.errors[0]?.message ?? '', /character U\+D83D is not allowed/);
  const latin1 = JSON.stringify(doc).replace('😀', 'très');
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'latin1', PolicyDocument: latin1 }));
});
