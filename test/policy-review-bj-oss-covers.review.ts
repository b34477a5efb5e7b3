/**
 * Review bj of stop 30's "statement that covers nothing" refusal (8bdaab5) on OSS buckets, against a real server
 * (`PUT /v1/resource-policies`, `POST /v1/apply`, then `/v1/authorize`).
 *
 * A policy on an OSS bucket governs every spelling of its region and account (`acs:oss:*:*:b` ≡
 * `acs:oss:cn-hangzhou:<account>:b`), and a Deny's OSS `Resource` is read with any region and account. The check
 * compared each pattern's literal head with the ARN as attached, so:
 * - `acs:oss:cn-hangzhou:123456789012:bj-oss/*` on `acs:oss:*:*:bj-oss`, a Deny that applies to every request for
 *   the bucket's objects, was refused as covering nothing (and an Allow for requests spelled so);
 * - `acs:oss:*:*:bj-osss/*` (a mistyped bucket) was taken, its head cut at the region's `*` (`acs:oss:`): the check
 *   never caught a typo in the commonest OSS spelling.
 * Now the resource part (bucket and object) is judged against the bucket's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'acs:oss:*:*:bj-oss';
const doc = (resource: unknown, effect = 'Deny') => ({ Version: '1', Statement: [{ Effect: effect, Principal: '*', Action: 'oss:GetObject', Resource: resource }] });

describe('an OSS bucket policy\'s Resource, in any spelling of region and account', () => {
  let server: TestServer;
  const conn = () => connectionTo(server.url, server.admin);
  const put = (resource: string, document: unknown) => call(conn(), 'PUT', ['resource-policies', resource], { body: { document } });

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('a Deny naming the bucket with its region and account is taken, and applies to a request spelled with *', async () => {
    const r = await put(BUCKET, doc('acs:oss:cn-hangzhou:123456789012:bj-oss/*'));
    assert.ok(r.ok, JSON.stringify(r));
    const asked = await call<{ decision: string }>(conn(), 'POST', ['authorize'], { body: { action: 'oss:GetObject', resource: 'acs:oss:*:*:bj-oss/x' } });
    assert.ok(asked.ok, JSON.stringify(asked));
    assert.equal(asked.value.decision, 'ExplicitDeny');
    for (const resource of ['acs:oss:cn-hangzhou:123456789012:bj-oss', ['acs:oss:cn-beijing:*:bj-oss/train/*'], 'acs:oss:*:123456789012:*', 'acs:oss:*:*:bj-*']) {
      const ok = await put(BUCKET, doc(resource, 'Allow'));
      assert.ok(ok.ok, `${JSON.stringify(resource)}: ${JSON.stringify(ok)}`);
    }
    // Attached in another spelling, the same bucket.
    const spelled = await put('acs:oss:cn-hangzhou:000000000000:bj-oss/team', doc('acs:oss:*:*:bj-oss/team/*'));
    assert.ok(spelled.ok, JSON.stringify(spelled));
  });

  it('a Deny naming another bucket is refused, however region and account are written', async () => {
    for (const resource of ['acs:oss:*:*:bj-osss/*', 'acs:oss:*:123456789012:bj-os/*', 'acs:oss:cn-hangzhou:123456789012:other/*']) {
      const r = await put('acs:oss:*:*:bj-oss2', doc(resource));
      assert.equal(r.ok, false, JSON.stringify(resource));
      if (r.ok) continue;
      assert.equal(r.errors[0]?.code, 'POLICY_INVALID_RESOURCE', r.message);
      assert.match(r.message, /Policy has invalid resource/);
    }
    const stored = await call(conn(), 'GET', ['resource-policies', 'acs:oss:*:*:bj-oss2'], {});
    assert.equal(stored.ok, false, 'nothing stored');
  });

  it('apply judges them alike', async () => {
    const policy = (name: string, resource: string, pattern: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name }, spec: { resource, document: doc(pattern) } });
    const good = await call(conn(), 'POST', ['apply'], { body: { documents: [policy('oss-region', 'acs:oss:*:*:bj-apply', 'acs:oss:cn-hangzhou:123456789012:bj-apply/*')] } });
    assert.ok(good.ok, JSON.stringify(good));
    const typo = await call(conn(), 'POST', ['apply'], { body: { documents: [policy('oss-typo', 'acs:oss:*:*:bj-apply3', 'acs:oss:*:*:bj-aply3/*')] } });
    assert.equal(typo.ok, false, JSON.stringify(typo));
    if (!typo.ok) assert.match(typo.message, /Policy has invalid resource/);
  });
});
