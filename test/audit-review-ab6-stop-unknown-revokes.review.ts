/**
 * Review ab6: a job stop whose COMMIT answer was lost left the job's credentials working. `jobs stop` writes the job's
 * new state, then revokes its sessions (src/app/jobs.ts `setState`); when the connection is lost while the COMMIT's
 * answer is on the way the store throws StoreOutcomeUnknownError before the revocation: `gatehouse jobs stop` exits 11,
 * `jobs get` then shows the job Stopped (it had committed), and the sessions the job was given keep working until they
 * expire. Now a stop (any end) of unknown outcome revokes the job's sessions as one made does (and drops its cached
 * ones: a job whose stop did not commit is given new sessions at its next fetch). A real server on PostgreSQL behind
 * the TCP proxy that lets the COMMIT reach PostgreSQL and swallows its answer; the job's container credentials
 * endpoint, the SDK's STS client, the gatehouse CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { commitAnswerLost, serverBehindProxy, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure } from './support/server.ts';

const skip = await pgSkip();

describe('review ab6: a stop of unknown outcome takes the job\'s credentials away', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  before(async () => {
    s = await serverBehindProxy('review_ab6');
    const ws = await gatehouseJson(s.running.url, s.admin, 'PUT', '/v1/workspaces/w1', { members: [{ user: 'admin' }] });
    assert.ok(ws.status === 200 || ws.status === 201, JSON.stringify(ws.json));
  });
  after(() => s?.stop());

  it('gatehouse jobs stop exits 11 and the job\'s session answers ExpiredToken', async () => {
    const submitted = await gatehouseJson(s.running.url, s.admin, 'POST', '/v1/jobs', { workspace: 'w1', role: 'default', imds: false });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    const id = (submitted.json['job'] as { id: string }).id;
    const env = submitted.json['environment'] as Record<string, string>;
    const got = await fetch(String(env['AWS_CONTAINER_CREDENTIALS_FULL_URI']), { headers: { authorization: String(env['AWS_CONTAINER_AUTHORIZATION_TOKEN']) } });
    assert.equal(got.status, 200, await got.clone().text());
    const c = (await got.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
    const sts = new STSClient({ endpoint: s.running.url, region: 'us-east-1', credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token }, maxAttempts: 1 });
    const who = await sts.send(new GetCallerIdentityCommand({}));
    assert.match(String(who.Arn), /assumed-role/);

    const fired = s.fired;
    s.fault = commitAnswerLost((text, readOnly) => !readOnly && text.includes(`job/${id}`) && text.includes('Stopped'));
    const stop = await s.cli(['jobs', 'stop', id]);
    assert.equal(s.fired, fired + 1, 'the proxy cut the COMMIT of the stop');
    assert.equal(stop.code, 11, `${stop.stdout}\n${stop.stderr}`);
    const job = await gatehouseJson(s.running.url, s.admin, 'GET', `/v1/jobs/${id}`);
    assert.equal(job.json['state'], 'Stopped', 'the stop committed');
    // Before the fix: the session still worked (GetCallerIdentity answered its ARN).
    const after = await sdkFailure(sts.send(new GetCallerIdentityCommand({})));
    assert.equal(after.code, 'ExpiredToken', JSON.stringify(after));
    sts.destroy();
  });
});
