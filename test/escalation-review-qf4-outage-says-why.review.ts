/**
 * Review qf, 4: while PostgreSQL could not be reached, escalation-paths and IAM's SimulatePrincipalPolicy and
 * GetContextKeysForPrincipalPolicy answered 503 "its database cannot be reached. Please try again." and nothing else,
 * though the authorize API, `/v1/simulate`, who-can and SimulateCustomPolicy go on answering from the directory held in
 * memory (docs/decisions.md "A store outage is a 503, not a 500, and what lives in memory keeps working"). An operator
 * in an outage was not told that these questions, unlike the others, read the database (the account's stored policy
 * documents: memory keeps them compiled, without their text), nor which questions would answer. Each 503 now says what
 * it needed the database for and which questions answer meanwhile; the other 503s are worded as before.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down (test/support/pg-outage-jobs.ts);
 * the admin API and `@aws-sdk/client-iam` as clients.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, GetContextKeysForPrincipalPolicyCommand, GetUserCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure } from './support/server.ts';

const skip = await pgSkip();
const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/qf4-alice`;

describe('review qf4: a question that needs the database says so during an outage', { skip, timeout: 60_000 }, () => {
  let world: PgOutageJobsWorld;
  let iam: IAMClient;
  before(async () => {
    world = await pgOutageJobsWorld('qf4');
    iam = new IAMClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    await iam.send(new CreateUserCommand({ UserName: 'qf4-alice' }));
    world.takeDown();
  });
  after(async () => {
    iam?.destroy();
    await world?.close();
  });

  it('escalation-paths: 503, saying it reads the account’s policies from the database and what answers meanwhile', async () => {
    const r = await gatehouseJson(world.running.url, world.admin, 'POST', '/v1/escalation-paths', { principal: ALICE });
    assert.equal(r.status, 503, JSON.stringify(r.json));
    const message = String((r.json['error'] as { message?: string }).message);
    assert.match(message, /^The service is unavailable: its database cannot be reached/);
    // Before the fix: nothing more than "Please try again.".
    assert.match(message, /escalation-paths reads the account’s users, roles, groups and policies from it/);
    assert.match(message, /\/v1\/authorize, \/v1\/simulate, \/v1\/who-can and SimulateCustomPolicy answer from memory meanwhile/);
  });

  it('SimulatePrincipalPolicy and GetContextKeysForPrincipalPolicy: ServiceUnavailable, saying so', async () => {
    const sim = await sdkFailure(iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ALICE, ActionNames: ['s3:GetObject'] })));
    assert.equal(sim.code, 'ServiceUnavailable');
    assert.match(sim.message, /SimulatePrincipalPolicy reads the policies of the user, group or role from it/);
    assert.match(sim.message, /SimulateCustomPolicy/);
    const keys = await sdkFailure(iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: ALICE })));
    assert.equal(keys.code, 'ServiceUnavailable');
    assert.match(keys.message, /GetContextKeysForPrincipalPolicy reads the policies of the user, group or role from it/);
  });

  it('another request that needs the database: the 503 as before', async () => {
    const e = await sdkFailure(iam.send(new GetUserCommand({ UserName: 'qf4-alice' })));
    assert.equal(e.code, 'ServiceUnavailable');
    assert.equal(e.message, 'The service is unavailable: its database cannot be reached. Please try again.');
  });
});
