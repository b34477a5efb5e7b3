/**
 * Review pg, 1: `SimulateCustomPolicy` (IAM Query API) answered 503 ServiceUnavailable while PostgreSQL could not be
 * reached, though every policy it evaluates is in the request and what it looks up besides (the CallerArn user's id and
 * tags, a role named as a resource, a user's tags and boundary for an `iam:` action on it) is held in the compiled
 * directory that enforcement decides from: it opened a database transaction for every call. Issue 7: with PostgreSQL
 * stopped, "decisions … keep working from the compiled state"; issue 8: simulation answers "from the same code path as
 * enforcement"; docs/decisions.md "A store outage is a 503, not a 500, and what lives in memory keeps working". It now
 * reads those from the directory held in memory (a job named as a resource still needs the database: jobs are not).
 * What that directory does not hold is looked for in the change log once, as a decision looks for a principal it does
 * not hold (docs/decisions.md "The whole directory is compiled in memory"): a user created a moment ago through another
 * instance is simulated with its tags, as it was when the simulation read the database (the last test).
 *
 * Before the fix 1 of 2 tests failed; the last test, added with the look in the change log, failed before it (1 of 1).
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down (test/support/pg-outage-jobs.ts);
 * `@aws-sdk/client-iam` as the client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, IAMClient, PutUserPermissionsBoundaryCommand, CreatePolicyCommand, SimulateCustomPolicyCommand, TagUserCommand, type SimulateCustomPolicyCommandInput } from '@aws-sdk/client-iam';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';
import { twoAppsOnPostgres } from './support/pg-two-apps.ts';
import { simulateCustomPolicy } from '../src/app/simulate.ts';

const skip = await pgSkip();
const ROOT = '000000000000';
const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

describe('review pg1: SimulateCustomPolicy during a database outage answers from memory', { skip, timeout: 60_000 }, () => {
  let world: PgOutageJobsWorld;
  let iam: IAMClient;

  const questions: readonly SimulateCustomPolicyCommandInput[] = [
    // Nothing to look up: the policy given alone.
    { PolicyInputList: [doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pg1/*' })], ActionNames: ['s3:GetObject', 's3:PutObject'], ResourceArns: ['arn:aws:s3:::pg1/k'] },
    // The CallerArn's tags as aws:PrincipalTag.
    { PolicyInputList: [doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'vision' } } })], ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::pg1/k'], CallerArn: `arn:aws:iam::${ROOT}:user/pg1-alice` },
    // A user's tags and boundary, as an iam: action on it is decided with.
    { PolicyInputList: [doc({ Effect: 'Allow', Action: ['iam:DeleteUser', 'iam:PutUserPolicy'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'vision' } } })], ActionNames: ['iam:DeleteUser', 'iam:PutUserPolicy'], ResourceArns: [`arn:aws:iam::${ROOT}:user/pg1-alice`, `arn:aws:iam::${ROOT}:user/pg1-bob`] },
    // A role named in another case, decided on the role the directory holds.
    { PolicyInputList: [doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ROOT}:role/gm6` })], ActionNames: ['iam:PassRole'], ResourceArns: [`arn:aws:iam::${ROOT}:role/GM6`] },
  ];
  const ask = async () => {
    const out: unknown[] = [];
    for (const q of questions) {
      const r = await iam.send(new SimulateCustomPolicyCommand(q));
      out.push((r.EvaluationResults ?? []).map((e) => ({ action: e.EvalActionName, resource: e.EvalResourceName, decision: e.EvalDecision, matched: e.MatchedStatements?.length, missing: e.MissingContextValues })));
    }
    return out;
  };
  let up: unknown[];

  before(async () => {
    world = await pgOutageJobsWorld('pg1');
    iam = new IAMClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    await iam.send(new CreateUserCommand({ UserName: 'pg1-alice', Tags: [{ Key: 'team', Value: 'vision' }] }));
    await iam.send(new CreateUserCommand({ UserName: 'pg1-bob' }));
    await iam.send(new TagUserCommand({ UserName: 'pg1-bob', Tags: [{ Key: 'team', Value: 'speech' }] }));
    const b = await iam.send(new CreatePolicyCommand({ PolicyName: 'pg1-boundary', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'pg1-alice', PermissionsBoundary: b.Policy?.Arn }));
  });
  after(async () => {
    iam?.destroy();
    await world?.close();
  });

  it('with the database up: the directory’s facts are used', async () => {
    up = await ask();
    assert.deepEqual(up, [
      [{ action: 's3:GetObject', resource: 'arn:aws:s3:::pg1/k', decision: 'allowed', matched: 1, missing: [] }, { action: 's3:PutObject', resource: 'arn:aws:s3:::pg1/k', decision: 'implicitDeny', matched: 0, missing: [] }],
      [{ action: 's3:GetObject', resource: 'arn:aws:s3:::pg1/k', decision: 'allowed', matched: 1, missing: [] }],
      [
        { action: 'iam:DeleteUser', resource: `arn:aws:iam::${ROOT}:user/pg1-alice`, decision: 'allowed', matched: 1, missing: [] },
        { action: 'iam:DeleteUser', resource: `arn:aws:iam::${ROOT}:user/pg1-bob`, decision: 'implicitDeny', matched: 0, missing: [] },
        { action: 'iam:PutUserPolicy', resource: `arn:aws:iam::${ROOT}:user/pg1-alice`, decision: 'allowed', matched: 1, missing: [] },
        { action: 'iam:PutUserPolicy', resource: `arn:aws:iam::${ROOT}:user/pg1-bob`, decision: 'implicitDeny', matched: 0, missing: [] },
      ],
      [{ action: 'iam:PassRole', resource: `arn:aws:iam::${ROOT}:role/GM6`, decision: 'allowed', matched: 1, missing: [] }],
    ]);
  });

  it('with the database out of reach: the same answers, not 503', async () => {
    await world.running.app.audit.flush();
    world.takeDown();
    try {
      assert.deepEqual(await ask(), up);
    } finally {
      world.bringUp();
    }
  });
});

describe('review pg1: SimulateCustomPolicy on an instance that has not heard of a user created through another yet', { skip, timeout: 60_000 }, () => {
  it('looks for it as a decision does, and simulates it with its tags', async () => {
    const { a, b, admin, close } = await twoAppsOnPostgres('pg1');
    try {
      await b.refresh();
      assert.ok((await a.directory.createUser(admin, { userName: 'pg1-carol', tags: [{ key: 'team', value: 'vision' }] })).ok);
      // B follows no changes by itself (test/support/pg-two-apps.ts): it has not heard of carol.
      const r = await simulateCustomPolicy(b.deps, admin, {
        actionNames: ['s3:GetObject'],
        resourceArns: ['arn:aws:s3:::pg1/k'],
        policyInputList: [doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'vision' } } })],
        callerArn: `arn:aws:iam::${ROOT}:user/pg1-carol`,
      }, b.live.loaded ? b.live.held : undefined);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.value.map((e) => [e.evalDecision, e.missingContextValues]), [['allowed', []]]);
    } finally {
      await close();
    }
  });
});
