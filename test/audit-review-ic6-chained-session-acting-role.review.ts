/**
 * Review ic, 6. A session of role `ops` assuming role `worker` (role chaining) is a thing `ops`'s session did, and the
 * record of it is about `worker`: since review ic, 2 the issued session's record names `worker` as its role and `ops`
 * as `actingRole`, so `audit query --role` finds it by either. The record written when that AssumeRole's scoped-session
 * registration lost its COMMIT answer (review ab3: decision OUTCOME_UNKNOWN, the one trace of a session that may be
 * registered) still named `worker` alone: `--role ops` missed the very attempt an auditor of `ops` must look at.
 *
 * Now that record names the acting role too. A real server on PostgreSQL behind the TCP proxy that lets the COMMIT of
 * the registration reach PostgreSQL and swallows its answer (as ab3); the AWS SDK's STS client.
 *
 * Before the fix 1 of 2 tests failed (the issued session's record was right since ic2).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { commitAnswerLost, serverBehindProxy, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure } from './support/server.ts';

const skip = await pgSkip();
const V = '2012-10-17';

describe('review ic6: a chained AssumeRole is found by the role whose session asked, its lost registration too', { skip, timeout: 120_000 }, () => {
  let s: ProxiedServer;
  let ops: STSClient;
  let OPS = '';
  let WORKER = '';
  before(async () => {
    s = await serverBehindProxy('review_ic6');
    OPS = `arn:aws:iam::${s.admin.account}:role/ops`;
    WORKER = `arn:aws:iam::${s.admin.account}:role/worker`;
    const trust = { Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.admin.account}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
    const applied = await gatehouseJson(s.running.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ops' }, spec: { trustPolicy: trust, inlinePolicies: { all: { Version: V, Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } } } },
        { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'worker' }, spec: { trustPolicy: trust } },
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const admin = new STSClient({ endpoint: s.running.url, region: 'us-east-1', credentials: { accessKeyId: s.admin.accessKeyId, secretAccessKey: s.admin.secretAccessKey }, maxAttempts: 1 });
    const a = await admin.send(new AssumeRoleCommand({ RoleArn: OPS, RoleSessionName: 'alice' }));
    ops = new STSClient({ endpoint: s.running.url, region: 'us-east-1', credentials: { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' }, maxAttempts: 1 });
  });
  after(() => s?.stop());

  it('the session issued names worker as its role and ops as the acting role', async () => {
    await ops.send(new AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: 'chained' }));
    const records = (await s.records({ role: OPS, action: 'sts:AssumeRole' })).filter((r) => r.session?.endsWith('/worker/chained'));
    assert.deepEqual(records.map((r) => [r.decision, r.role, r.actingRole]), [['Allow', WORKER, OPS]], JSON.stringify(records));
  });

  it('a registration whose COMMIT answer was lost names the acting role too', async () => {
    s.fault = commitAnswerLost((text, readOnly) => !readOnly && text.includes('session-scope/'));
    const policy = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    const failed = await sdkFailure(ops.send(new AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: 'lost', Policy: policy })));
    assert.equal(s.fired, 1, 'the proxy cut the COMMIT of the registration');
    assert.equal(failed.status, 503, JSON.stringify(failed));
    const records = (await s.records({ role: OPS, action: 'sts:AssumeRole' })).filter((r) => r.session?.endsWith('/worker/lost'));
    assert.deepEqual(records.map((r) => [r.decision, r.role, r.actingRole]), [['OUTCOME_UNKNOWN', WORKER, OPS]], JSON.stringify(records));
  });
});
