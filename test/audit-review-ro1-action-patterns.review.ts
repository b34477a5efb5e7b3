/**
 * Review ro, 1: `audit query --action` (`GET /v1/audit?action=`) takes an action "in any case, as IAM reads actions"
 * (README §7, the option's help), and IAM reads actions with wildcards: `s3:*`, `iam:Create*`, `iam:*User`,
 * `iam:Get?ser` (policy-semantics: `*` any run of characters, `?` one). The filter compared the value with each
 * record's action as a plain string, so `--action 's3:*'` or `--action 'iam:Create*'` matched no record at all and the
 * query said `no records match`, exit 0: "what did alice do on S3" read as "nothing", where README §7 refuses a
 * filter value that can match nothing rather than answer it empty. Now `*` and `?` in an action filter are IAM's
 * wildcards (in any case; `%` and `_` stay plain characters), and an action recorded under a former name is listed
 * when its name now matches the pattern (as an exact name lists it).
 *
 * Real server on 127.0.0.1, on SQLite and on the test machine's PostgreSQL (one SQL for both: `LIKE … ESCAPE`), the admin
 * API as the CLI calls it (SigV4), and the CLI in process.
 *
 * Before the fix 6 of 6 tests failed (3 a store: the pattern matched nothing on SQLite or PostgreSQL).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, CreateUserCommand, DeleteUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { actionFilterNames } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });

for (const store of ['sqlite', 'postgres'] as const) describe(`review ro1: an audit action filter reads IAM wildcards (${store})`, { skip: store === 'postgres' ? skip : undefined }, () => {
  let s: TestServer;
  const schema = `gh_review_ro1_${process.pid}`;
  before(async () => {
    if (store === 'postgres') await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    s = await startTestServer(store === 'postgres' ? { postgres: { url: PG_URL, schema } } : {});
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'ro1-a' }));
    await iam.send(new CreateUserCommand({ UserName: 'ro1-b' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'ro1-r', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new GetUserCommand({ UserName: 'ro1-a' }));
    await iam.send(new DeleteUserCommand({ UserName: 'ro1-b' }));
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s?.stop();
    if (store === 'postgres') await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  const actions = async (action: string): Promise<string[]> => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?limit=1000&action=${encodeURIComponent(action)}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['records'] as { action: string; resource: string }[]).map((x) => `${x.action} ${x.resource.split(/[/:]/).at(-1) ?? ''}`);
  };

  it('`*` and `?` match as in IAM, in any case; `%` and `_` are plain characters', async () => {
    assert.deepEqual(await actions('iam:Create*'), ['iam:CreateAccount root', 'iam:CreateUser ro1-a', 'iam:CreateUser ro1-b', 'iam:CreateRole ro1-r']);
    assert.deepEqual(await actions('IAM:*USER'), ['iam:CreateUser ro1-a', 'iam:CreateUser ro1-b', 'iam:DeleteUser ro1-b']);
    assert.deepEqual(await actions('iam:?eleteUser'), ['iam:DeleteUser ro1-b']);
    assert.deepEqual(await actions('iam:*Role'), ['iam:CreateRole ro1-r']);
    assert.deepEqual(await actions('s3:*'), []);
    assert.deepEqual(await actions('iam:Create%'), []);
    assert.deepEqual(await actions('iam:Create_ser'), []);
    // An exact name still lists exactly its records.
    assert.deepEqual(await actions('iam:createuser'), ['iam:CreateUser ro1-a', 'iam:CreateUser ro1-b']);
  });

  it('the CLI lists what the pattern matches', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--json', '--action', 'iam:*User']);
    assert.equal(r.status, 0, r.err);
    const got = r.out.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { action: string }).action);
    assert.deepEqual(got, ['iam:CreateUser', 'iam:CreateUser', 'iam:DeleteUser']);
  });

  it('a pattern lists the records of a former name whose name now matches it', () => {
    assert.ok(actionFilterNames('training:*AccessEntry').includes('eks:CreateAccessEntry'));
    assert.ok(actionFilterNames('training:*AccessEntry').includes('eks:DeleteAccessEntry'));
    assert.ok(!actionFilterNames('training:Create*').includes('eks:DeleteAccessEntry'));
  });
});
