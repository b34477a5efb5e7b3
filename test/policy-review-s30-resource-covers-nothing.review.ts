/**
 * Stop 30: a resource policy with a statement whose every `Resource` names neither the resource it is attached to nor
 * anything under it is refused by every door (`PUT /v1/resource-policies/{resource}`, `POST /v1/apply`), as S3's
 * PutBucketPolicy refuses one (`MalformedPolicy: Policy has invalid resource`; the gateway's own check,
 * src/app/s3.ts `outsideBucket`). A policy is found by the ARNs a request names and their `/`-prefixes, so such a
 * statement never applies: a Deny written for a mistyped bucket looked in force and protected nothing.
 *
 * Patterns that may match are taken: the resource itself, what is under it, `*`, a wildcard or policy variable whose
 * literal head fits; `NotResource` is not judged. Real server, SigV4-signed requests; nothing is stored on refusal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'arn:aws:s3:::cover-data';
const doc = (...statements: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement: statements });
const deny = (resource: unknown) => ({ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: resource });

describe('a resource policy statement that covers nothing it is attached to', () => {
  let server: TestServer;
  const put = (resource: string, document: unknown) => call(connectionTo(server.url, server.admin), 'PUT', ['resource-policies', resource], { body: { document } });
  const stored = async (resource: string): Promise<boolean> => (await call(connectionTo(server.url, server.admin), 'GET', ['resource-policies', resource], {})).ok;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('PUT refuses it, naming the statement and the resource, and stores nothing', async () => {
    for (const [document, path] of [
      [doc(deny('arn:aws:s3:::cover-dta/*')), 'Statement[0].Resource'],
      [doc(deny(`${BUCKET}/*`), deny(['arn:aws:s3:::other', 'arn:aws:s3:::other/*'])), 'Statement[1].Resource'],
      [{ Version: '2012-10-17', Statement: deny('arn:aws:s3:::cover-data-2/*') }, 'Statement.Resource'],
      // A longer name that merely starts with the bucket's is another bucket.
      [doc(deny('arn:aws:s3:::cover-database/*')), 'Statement[0].Resource'],
    ] as const) {
      const r = await put(BUCKET, document);
      assert.equal(r.ok, false, JSON.stringify(document));
      if (r.ok) continue;
      assert.equal(r.httpStatus, 400, r.message);
      assert.equal(r.errors[0]?.code, 'POLICY_INVALID_RESOURCE', r.message);
      assert.match(r.errors[0]?.path ?? '', new RegExp(`${path.replace(/[[\].]/g, '\\$&')}$`), r.message);
      assert.match(r.message, /Policy has invalid resource: .*is `arn:aws:s3:::cover-data` or under it/);
    }
    assert.equal(await stored(BUCKET), false, 'nothing was stored');
  });

  it('patterns that may match are taken', async () => {
    // The bucket itself, with an action decided on the bucket (an object action there is refused: policy review nc, 2).
    const itself = await put(BUCKET, doc({ ...deny(BUCKET), Action: 's3:ListBucket' }));
    assert.ok(itself.ok, JSON.stringify(itself));
    for (const resource of [`${BUCKET}/*`, `${BUCKET}/train/x.bin`, '*', 'arn:aws:s3:::cover-*', 'arn:aws:s3:::cover-data*', 'arn:aws:s3:::*/secret/*', `${BUCKET}/\${aws:username}/*`, ['arn:aws:s3:::other/*', `${BUCKET}/*`]]) {
      const r = await put(BUCKET, doc(deny(resource)));
      assert.ok(r.ok, `${JSON.stringify(resource)}: ${JSON.stringify(r)}`);
    }
    const notResource = await put(BUCKET, doc({ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::other/*' }));
    assert.ok(notResource.ok, JSON.stringify(notResource));
    // A prefix's policy covers its own subtree.
    const prefix = await put(`${BUCKET}/team`, doc(deny(`${BUCKET}/team/*`)));
    assert.ok(prefix.ok, JSON.stringify(prefix));
    const sibling = await put(`${BUCKET}/team`, doc(deny(`${BUCKET}/other-team/*`)));
    assert.equal(sibling.ok, false);
  });

  it('apply refuses it too, and writes nothing of the set', async () => {
    const documents = [
      { apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name: 'ok' }, spec: { resource: 'arn:aws:s3:::cover-fine', document: doc(deny('arn:aws:s3:::cover-fine/*')) } },
      { apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name: 'typo' }, spec: { resource: 'arn:aws:s3:::cover-apply', document: doc(deny('arn:aws:s3:::cover-aply/*')) } },
    ];
    const r = await call(connectionTo(server.url, server.admin), 'POST', ['apply'], { body: { documents } });
    assert.equal(r.ok, false, JSON.stringify(r));
    if (!r.ok) {
      assert.equal(r.httpStatus, 400, r.message);
      assert.match(r.message, /Policy has invalid resource/);
    }
    assert.equal(await stored('arn:aws:s3:::cover-fine'), false, 'no document of the refused apply was written');
    assert.equal(await stored('arn:aws:s3:::cover-apply'), false);
  });
});
