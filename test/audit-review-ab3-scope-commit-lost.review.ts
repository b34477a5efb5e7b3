/**
 * Review ab3: an AssumeRole whose scoped-session registration lost its COMMIT answer was not recorded at all. A role
 * session with a session policy, tags or a source identity is registered in the store before it is issued
 * (src/app/session-scopes.ts `register`); when the connection is lost while that COMMIT's answer is on the way the
 * store throws StoreOutcomeUnknownError: the record may be in the store (every instance then holds it and the
 * authorize API answers for the session's name with it), no session is issued, the call answers 503 (review ad4: not issued, ask again),
 * and the audit log held nothing of the attempt (STS records a session when issued, a refusal when answered). Now the
 * registration is recorded with decision OUTCOME_UNKNOWN (who asked, the role and session, the record it would have
 * written, the error), as the directory records its own (review aa11). A real server on PostgreSQL behind the TCP
 * proxy that lets the COMMIT of the registration reach PostgreSQL and swallows its answer; the AWS SDK's STS client.
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

describe('review ab3: a scoped session whose registration lost its COMMIT answer is recorded as of unknown outcome', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  before(async () => {
    s = await serverBehindProxy('review_ab3');
    const applied = await gatehouseJson(s.running.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        {
          apiVersion: 'gatehouse.dev/v1',
          kind: 'Role',
          metadata: { name: 'worker' },
          spec: { trustPolicy: { Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.admin.account}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] } },
        },
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  it('AssumeRole with a session policy answers 503 (not issued) and the audit log holds the attempt', async () => {
    // One try: the SDK retries a 503, and each try would register anew.
    const sts = new STSClient({ endpoint: s.running.url, region: 'us-east-1', credentials: { accessKeyId: s.admin.accessKeyId, secretAccessKey: s.admin.secretAccessKey }, maxAttempts: 1 });
    const roleArn = `arn:aws:iam::${s.admin.account}:role/worker`;
    s.fault = commitAnswerLost((text, readOnly) => !readOnly && text.includes('session-scope/'));
    const policy = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    const failed = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'lost', Policy: policy })));
    assert.equal(s.fired, 1, 'the proxy cut the COMMIT of the registration');
    // No session was issued, whatever became of the registration: 503, asked again (review ad, ad4).
    assert.equal(failed.status, 503, JSON.stringify(failed));
    assert.match(failed.message, /was not issued/);
    // Before: no sts:AssumeRole record of the session at all.
    const records = (await s.records({ action: 'sts:AssumeRole' })).filter((r) => r.session?.endsWith('/worker/lost'));
    assert.deepEqual(records.map((r) => r.decision), ['OUTCOME_UNKNOWN'], JSON.stringify(records));
    const rec = records[0];
    assert.equal(rec?.role, roleArn);
    assert.notEqual(rec?.principal, '', 'who asked is recorded');
    assert.equal((rec?.detail['after'] as { policy: string }).policy, policy);
    assert.match(String(rec?.detail['error']), /may or may not have committed/);
  });
});
