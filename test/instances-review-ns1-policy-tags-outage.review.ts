/**
 * Review ns, 1: a question to `POST /v1/authorize` about a managed policy (`iam:GetPolicy`, `iam:TagPolicy`… on
 * `arn:aws:iam::A:policy/P`) answered 503 ServiceUnavailable while PostgreSQL could not be reached: the policy's tags,
 * with which every action on it is decided (`aws:ResourceTag/K`, as the Query API decides it), were read from the
 * database for each question. Issue 7: with PostgreSQL stopped, "decisions and session verification keep working from
 * the compiled state"; the compiled state holds every managed policy (sessions' `PolicyArns` are read from it), as it
 * holds users and roles, whose tags the same questions about a user or role already read from memory. The policy's
 * tags are now held with it and read from there; a change of them (TagPolicy, UntagPolicy) is a `policy` change,
 * which every instance reads again, and which the instance that made it sees at once.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down (test/support/pg-outage-jobs.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AttachUserPolicyCommand, CreatePolicyCommand, CreateUserCommand, IAMClient, TagPolicyCommand, UntagPolicyCommand } from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';

const skip = await pgSkip();
const ROOT = '000000000000';
const POLICY = `arn:aws:iam::${ROOT}:policy/ns1-tagged`;
const ONLY_ML = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } }],
});

describe('review ns1: a question about a managed policy during a database outage is decided with its tags from memory', { skip, timeout: 60_000 }, () => {
  let world: PgOutageJobsWorld;
  let iam: IAMClient;

  /** The decision of `iam:GetPolicy` on POLICY for user ns1, or the error's status and code. */
  const decide = async (): Promise<string> => {
    const r = await call<Record<string, unknown>>(
      { endpoint: new URL(world.running.url), credentials: world.admin, region: 'us-east-1', credentialsSource: 'test' },
      'POST',
      ['authorize'],
      { body: { principal: `arn:aws:iam::${ROOT}:user/ns1`, action: 'iam:GetPolicy', resource: POLICY } },
    );
    return r.ok ? String(r.value['decision']) : `${r.httpStatus} ${r.code}`;
  };

  before(async () => {
    world = await pgOutageJobsWorld('ns1');
    iam = new IAMClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    await iam.send(new CreateUserCommand({ UserName: 'ns1' }));
    await iam.send(new CreatePolicyCommand({ PolicyName: 'ns1-reader', PolicyDocument: ONLY_ML }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'ns1', PolicyArn: `arn:aws:iam::${ROOT}:policy/ns1-reader` }));
    await iam.send(new CreatePolicyCommand({ PolicyName: 'ns1-tagged', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }), Tags: [{ Key: 'team', Value: 'ml' }] }));
  });
  after(async () => {
    iam?.destroy();
    await world?.close();
  });

  it('a change of the policy’s tags is seen at once by the instance that made it', async () => {
    assert.equal(await decide(), 'Allow', 'tagged team=ml');
    await iam.send(new UntagPolicyCommand({ PolicyArn: POLICY, TagKeys: ['team'] }));
    assert.equal(await decide(), 'ImplicitDeny', 'untagged');
    await iam.send(new TagPolicyCommand({ PolicyArn: POLICY, Tags: [{ Key: 'team', Value: 'other' }] }));
    assert.equal(await decide(), 'ImplicitDeny', 'tagged team=other');
    await iam.send(new TagPolicyCommand({ PolicyArn: POLICY, Tags: [{ Key: 'team', Value: 'ml' }] }));
    assert.equal(await decide(), 'Allow', 'tagged team=ml again');
  });

  it('with the database out of reach: decided with the policy’s tags, not 503', async () => {
    await world.running.app.audit.flush();
    world.takeDown();
    try {
      assert.equal(await decide(), 'Allow');
    } finally {
      world.bringUp();
    }
  });
});
