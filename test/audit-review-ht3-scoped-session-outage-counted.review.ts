/**
 * Review ht, 3 (metrics): `gatehouse_store_unavailable_total` is documented as the requests answered 503 because the store
 * could not be reached, and alerts are written on it. An AssumeRole that needs its session recorded (a source identity,
 * session tags or a session policy: the registry of scoped sessions) answered 503 ServiceUnavailable while PostgreSQL was
 * down under the open audit policy (GATEHOUSE_AUDIT_FAILURE=open; the closed one's gate refuses first and counts that), as
 * it should, but through a refusal of its own rather than the edge's outage path, and counted nothing: an outage that only
 * such issuances met (every job launcher that sets a SourceIdentity) left the counter at 0 while they were all refused. Now each such 503 is counted, as the edge's and the job endpoints' are (review gm, 8).
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down; /metrics read before and after.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startTestServer, sdkFailure, type TestServer } from './support/server.ts';
import { postgresProxy } from './support/pg-proxy.ts';
import { pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const ROLE = 'arn:aws:iam::000000000000:role/launcher';

async function unavailableCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('gatehouse_store_unavailable_total '));
  return Number(line?.slice(line.lastIndexOf(' ') + 1));
}

describe('review ht3: a scoped AssumeRole refused for a database outage is counted in gatehouse_store_unavailable_total', { skip, timeout: 90_000 }, () => {
  const schema = `gh_review_ht3_${process.pid}`;
  let s: TestServer;
  let proxy: { url: string; close(): void };
  before(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    proxy = await postgresProxy((client, upstream) => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
    // The open audit policy (GATEHOUSE_AUDIT_FAILURE=open): under the closed one the audit gate refuses first, counted as
    // gatehouse_audit_gate_refusals_total{what="issuance"}.
    s = await startTestServer({ postgres: { url: proxy.url, schema }, audit: { failure: 'open' } });
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }] });
    await s.iam().send(new CreateRoleCommand({ RoleName: 'launcher', AssumeRolePolicyDocument: trust }));
    // Issued while the database answers: the session is recorded, then issued.
    await s.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'before', SourceIdentity: 'alice@corp' }));
  });
  after(async () => {
    await s?.stop();
    proxy?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  });

  it('AssumeRole with a SourceIdentity while PostgreSQL is unreachable: 503 ServiceUnavailable, counted once', async () => {
    const before = await unavailableCount(s.url);
    assert.equal(before, 0);
    proxy.close();
    const f = await sdkFailure(s.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'during', SourceIdentity: 'alice@corp' })));
    assert.equal(f.status, 503, JSON.stringify(f));
    assert.equal(f.code, 'ServiceUnavailable');
    assert.match(f.message, /the session could not be recorded \(the database cannot be reached\)/);
    assert.equal(await unavailableCount(s.url), 1, 'the outage 503 is counted');
  });
});
