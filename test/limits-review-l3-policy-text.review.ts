/**
 * A policy document's text, whitespace counted, is at most 131,072 characters, IAM's `PolicyDocument` length (review
 * limits, L3). The quotas (6,144 for a managed policy, 2,048 inline for a user…) do not count whitespace, so a small
 * policy padded with 900 KB of spaces was stored and served whole: any caller allowed iam:CreatePolicy could store
 * 1,500 policies × 5 versions of it. Against a real server with the AWS SDK v3: CreatePolicy and PutUserPolicy of a
 * padded document are refused with ValidationError naming the limit, and store nothing; a document just under it is
 * accepted; readers of stored documents (a larger `maxChars`) still read a longer text.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyCommand, CreateUserCommand, GetPolicyCommand, GetUserPolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { parsePolicy } from '../src/core/iam/index.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
const padded = (total: number): string => {
  const head = '{"Version":"2012-10-17",';
  const tail = '"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
  return `${head}${' '.repeat(total - head.length - tail.length)}${tail}`;
};

before(async () => {
  server = await startTestServer();
  await server.iam().send(new CreateUserCommand({ UserName: 'pad' }));
});
after(async () => {
  await server?.stop();
});

describe('policy text with its whitespace (review limits, L3)', () => {
  it('CreatePolicy of 300,000 characters (80 of them not whitespace) is refused, and no policy exists', async () => {
    const f = await sdkFailure(server.iam().send(new CreatePolicyCommand({ PolicyName: 'padded', PolicyDocument: padded(300_000) })));
    assert.equal(f.code, 'ValidationError');
    assert.equal(f.status, 400);
    assert.match(f.message, /policy document is 300000 characters with its whitespace; the limit is 131072: remove the padding/);
    assert.equal((await sdkFailure(server.iam().send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::000000000000:policy/padded' })))).code, 'NoSuchEntity');
  });

  it('PutUserPolicy of 131,073 characters is refused; 131,072 is accepted', async () => {
    const f = await sdkFailure(server.iam().send(new PutUserPolicyCommand({ UserName: 'pad', PolicyName: 'p', PolicyDocument: padded(131_073) })));
    assert.equal(f.code, 'ValidationError');
    assert.match(f.message, /131073 characters with its whitespace; the limit is 131072/);
    await server.iam().send(new PutUserPolicyCommand({ UserName: 'pad', PolicyName: 'p', PolicyDocument: padded(131_072) }));
    const got = await server.iam().send(new GetUserPolicyCommand({ UserName: 'pad', PolicyName: 'p' }));
    assert.equal(decodeURIComponent(got.PolicyDocument ?? '').length, 131_072);
  });

  it('a reader with a larger maxChars (stored documents) still reads a longer text', () => {
    assert.equal(parsePolicy(padded(200_000), { kind: 'identity', maxChars: 1 << 20 }).ok, true);
    assert.equal(parsePolicy(padded(200_000), { kind: 'identity' }).ok, false);
  });
});
