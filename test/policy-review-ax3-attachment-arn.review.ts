/**
 * Review ax, finding 3: `PUT /v1/resource-policies/{resource}` and `gatehouse apply` (kind ResourcePolicy) stored a
 * policy on an ARN that no request can reach, and answered 200. A policy governs the ARN it is attached to and the
 * ARNs under it, found by the request's ARN and its `/`-prefixes (`arn:aws:s3:::data/secret/x` →
 * `arn:aws:s3:::data/secret`, `arn:aws:s3:::data`), so:
 * - on the S3 "folder" spelling `arn:aws:s3:::data/secret/` (trailing `/`, as prefixes are written in S3) it governed
 *   nothing under the folder: its Deny was silently ignored and authorize answered Allow for `data/secret/x`;
 * - on `arn:aws:s3:::` or `arn:aws:s3:` (no resource part, parts missing) it governed nothing at all;
 * - an ARN past 2,048 characters (which the authorize API refuses to be asked about) or holding a control character
 *   (a newline) was stored as well; on a 12-digit-less account (`…:12345:model/x`) the answer was a misleading 403
 *   "belongs to account 12345".
 * Now each is a 400 ValidationError on `resource` (`spec.resource` in apply) that says what to attach it to instead.
 * Real server (SQLite), IAM through @aws-sdk/client-iam, /v1/ signed with SigV4.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/secret/*' }] };
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'reader' }));
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
});
after(() => s?.stop());

const put = (arn: string, document: unknown = deny) => gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(arn)}`, { document });
/** For the ARNs that are not under `data/secret`: a statement must cover the resource its policy is attached to (stop 30). */
const denyAll = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: '*' }] };
const error = (json: Record<string, unknown>) => (json['error'] ?? {}) as { code?: string; message?: string; details?: { path?: string }[] };

describe('a resource policy only on an ARN a request can reach (review ax, 3)', () => {
  it('a folder ARN ending in `/` is refused naming the ARN to attach to; there the Deny applies', async () => {
    const r = await put('arn:aws:s3:::data/secret/');
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.equal(error(r.json).code, 'ValidationError');
    assert.equal(error(r.json).details?.[0]?.path, 'resource');
    assert.match(error(r.json).message ?? '', /`arn:aws:s3:::data\/secret`/);
    const ask = async () => (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/reader`, action: 's3:GetObject', resource: 'arn:aws:s3:::data/secret/x' })).json['decision'];
    assert.equal(await ask(), 'Allow');
    assert.equal((await put('arn:aws:s3:::data/secret')).status, 200);
    assert.equal(await ask(), 'ExplicitDeny');
  });

  it('an ARN without its parts or resource, too long, with a control character or a malformed account is refused', async () => {
    const long = `arn:aws:s3:::b/${'k'.repeat(2040)}`;
    for (const arn of ['arn:aws:s3:::', 'arn:aws:s3:', 'acs:oss:*:*:', 'acs:oss:*', long, 'arn:aws:s3:::bad\nname', 'arn:aws:training:us-east-1:12345:model/x']) {
      const r = await put(arn);
      assert.equal(r.status, 400, `${JSON.stringify(arn.slice(0, 40))}: ${JSON.stringify(r.json).slice(0, 300)}`);
      assert.equal(error(r.json).code, 'ValidationError', JSON.stringify(r.json).slice(0, 300));
      assert.equal(error(r.json).details?.[0]?.path, 'resource');
    }
    // What stays accepted: a key with a space, a `//` step, the longest ARN, an OSS ARN with `*` region and account.
    for (const arn of ['arn:aws:s3:::b/my folder', 'arn:aws:s3:::b/a//c', `arn:aws:s3:::b/${'k'.repeat(2048 - 'arn:aws:s3:::b/'.length)}`, 'acs:oss:*:*:b2/x']) {
      const r = await put(arn, denyAll);
      assert.equal(r.status, 200, `${arn.slice(0, 40)}: ${JSON.stringify(r.json).slice(0, 300)}`);
    }
  });

  it('apply refuses the same ARNs on spec.resource', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name: 'folder' }, spec: { resource: 'arn:aws:s3:::data/secret/', document: deny } }] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /spec\.resource/);
    assert.match(JSON.stringify(r.json), /arn:aws:s3:::data\/secret`/);
  });
});
