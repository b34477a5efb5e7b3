/**
 * `PUT` and `DELETE /v1/resource-policies/{resource}` refuse a body field they do not know, or a `document` of the
 * wrong type, with 400 VALIDATION_ERROR naming the field, as the other admin routes do (review K, K5): `"dryRun":
 * true` stored a public-read policy for real, and a DELETE with any body deleted. Signed requests (the CLI's `call`)
 * to a real server; nothing is stored or deleted by a refused request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, type ClientResult } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'arn:aws:s3:::fields-bucket';
const PUBLIC_READ = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${BUCKET}/*` }] };

function refused(r: ClientResult<unknown>, path: string, message: RegExp, code = 'VALIDATION_ERROR'): void {
  assert.equal(r.ok, false, `expected a refusal naming \`${path}\`, got ${JSON.stringify(r)}`);
  if (r.ok) return;
  assert.equal(r.httpStatus, 400, r.message);
  assert.equal(r.errors[0]?.code, code, r.message);
  assert.equal(r.errors[0]?.path, path, r.message);
  assert.match(r.message, message);
}

describe('resource policies: unknown and mistyped body fields are refused, naming the field', () => {
  let server: TestServer;
  const req = <T = Record<string, unknown>>(method: string, body?: unknown) => call<T>(connectionTo(server.url, server.admin), method, ['resource-policies', BUCKET], body === undefined ? {} : { body });
  const stored = async (): Promise<boolean> => {
    const r = await req('GET');
    if (!r.ok) assert.equal(r.code, 'NoSuchEntity', r.message);
    return r.ok;
  };

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('PUT: an unknown field (dryRun, etag) or a document that is no policy is refused, and nothing is stored', async () => {
    refused(await req('PUT', { document: PUBLIC_READ, dryRun: true }), 'dryRun', /unknown field `dryRun` \(allowed: document\)/);
    refused(await req('PUT', { document: PUBLIC_READ, etag: 'x' }), 'etag', /unknown field `etag`/);
    refused(await req('PUT', { document: 42 }), 'document', /`document` is required: the resource policy \(a JSON object or its text\), got a number/);
    refused(await req('PUT', { document: [PUBLIC_READ] }), 'document', /got a list/);
    refused(await req('PUT', { document: null }), 'document', /got null/);
    refused(await req('PUT', {}), 'document', /`document` is required/, 'MISSING_PARAMETER');
    assert.equal(await stored(), false, 'no refused PUT stored the policy');
    // The well-formed request still works, as an object or as its text.
    const put = await req<{ resource: string }>('PUT', { document: PUBLIC_READ });
    assert.ok(put.ok, JSON.stringify(put));
    assert.equal(await stored(), true);
    const asText = await req('PUT', { document: JSON.stringify(PUBLIC_READ) });
    assert.ok(asText.ok, JSON.stringify(asText));
  });

  it('DELETE takes no body: a field is refused and the policy kept; without one it is deleted', async () => {
    assert.ok((await req('PUT', { document: PUBLIC_READ })).ok);
    refused(await req('DELETE', { dryRun: true }), 'dryRun', /unknown field `dryRun`: this request takes no body fields/);
    assert.equal(await stored(), true, 'the refused DELETE deleted nothing');
    const del = await req('DELETE');
    assert.ok(del.ok, JSON.stringify(del));
    assert.equal(await stored(), false);
  });

  it('reading resource policies is a permission (gatehouse:ListResourcePolicies, GetResourcePolicy): a user without it is refused', async () => {
    assert.ok((await req('PUT', { document: PUBLIC_READ })).ok);
    const iam = server.iam();
    const { CreateUserCommand, CreateAccessKeyCommand } = await import('@aws-sdk/client-iam');
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey;
    const reader = connectionTo(server.url, { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' });
    const list = await call(reader, 'GET', ['resource-policies']);
    assert.equal(list.ok, false, JSON.stringify(list));
    assert.equal(list.ok ? 0 : list.httpStatus, 403);
    const one = await call(reader, 'GET', ['resource-policies', BUCKET]);
    assert.equal(one.ok ? 0 : one.httpStatus, 403, JSON.stringify(one));
    // The admin reads them.
    assert.ok((await call(connectionTo(server.url, server.admin), 'GET', ['resource-policies'])).ok);
  });
});
