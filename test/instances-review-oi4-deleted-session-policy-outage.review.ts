/**
 * Review oi, 4: a role session whose managed session policy (`PolicyArns`) was deleted since it was issued read the
 * change log on every request: a policy not held is looked for once before it counts as gone (review cn, 3: it may
 * have been created through another instance a moment ago), and a deleted one is never held, so each request of the
 * session was a store transaction (DESIGN.md "Performance model": a decision touches no database), and while
 * PostgreSQL was out each was answered 503 ServiceUnavailable, GetCallerIdentity included: the session could not be
 * verified at all, though its role was held (issue 7: "decisions and session verification keep working from the
 * compiled state"). Now a look that found the policy missing answers for it for 100 ms (as the looks for a made-up
 * access key id are bounded, review mx, 3), and during an outage a policy the last look found missing counts as gone
 * (the session is narrowed by it to nothing, as before): the session verifies, and does no more than it did.
 *
 * Before the fix 2 of 2 tests failed.
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down (test/support/pg-outage-jobs.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyCommand, CreateRoleCommand, DeletePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const ROOT = '000000000000';

describe('review oi4: a session naming a deleted managed session policy', { skip, timeout: 60_000 }, () => {
  let world: PgOutageJobsWorld;
  let session: STSClient;
  let creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  let refreshes = 0;

  /** The session's own question on `s3:GetObject`, or the error's status and code. */
  const decide = async (): Promise<string> => {
    const r = await gatehouseJson(world.running.url, creds, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::oi4/k' });
    const error = r.json['error'] as { code?: string } | undefined;
    return r.status === 200 ? String(r.json['decision']) : `${r.status} ${error?.code ?? JSON.stringify(r.json)}`;
  };

  before(async () => {
    world = await pgOutageJobsWorld('oi4');
    const iam = new IAMClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    const sts = new STSClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    try {
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] };
      await iam.send(new CreateRoleCommand({ RoleName: 'oi4', AssumeRolePolicyDocument: JSON.stringify(trust) }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'oi4', PolicyName: 's3', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }));
      const made = await iam.send(new CreatePolicyCommand({ PolicyName: 'oi4-narrow', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
      const issued = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/oi4`, RoleSessionName: 'etl', PolicyArns: [{ arn: made.Policy?.Arn ?? '' }] }));
      creds = { accessKeyId: issued.Credentials?.AccessKeyId ?? '', secretAccessKey: issued.Credentials?.SecretAccessKey ?? '', sessionToken: issued.Credentials?.SessionToken ?? '' };
      await iam.send(new DeletePolicyCommand({ PolicyArn: made.Policy?.Arn ?? '' }));
    } finally {
      iam.destroy();
      sts.destroy();
    }
    session = new STSClient({ endpoint: world.running.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const live = world.running.app.live;
    const refresh = live.refresh.bind(live);
    live.refresh = () => (refreshes++, refresh());
  });
  after(async () => {
    session?.destroy();
    await world?.close();
  });

  it('its requests do not each read the change log', async () => {
    assert.equal(await decide(), 'ImplicitDeny', 'narrowed to nothing by the deleted policy');
    const started = Date.now();
    refreshes = 0;
    for (let i = 0; i < 30; i++) assert.match((await session.send(new GetCallerIdentityCommand({}))).Arn ?? '', /assumed-role\/oi4\/etl$/);
    const elapsed = Date.now() - started;
    // One look per 100 ms at most, and the instance's own refreshes (a poll a second, notifications) besides.
    assert.ok(refreshes <= 2 + 2 * Math.ceil(elapsed / 100), `${refreshes} refreshes for 30 requests in ${elapsed} ms`);
  });

  it('with the database out of reach: the session still verifies, and is still narrowed to nothing', async () => {
    await world.running.app.audit.flush();
    world.takeDown();
    try {
      assert.match((await session.send(new GetCallerIdentityCommand({}))).Arn ?? '', /assumed-role\/oi4\/etl$/);
      assert.equal(await decide(), 'ImplicitDeny');
    } finally {
      world.bringUp();
    }
  });
});
