/**
 * Review kb, finding 2: a job's sessions were issued to the role of its role's *name*, whatever that role's path. A job
 * runs as the role ARN its submitter was allowed to pass (`iam:PassRole` on `role/trainer`; review hp, 1 made the
 * submission find the role by its ARN, path included, as AssumeRole does). When that role was deleted and a role of the
 * same name made under another path (`role/admin/trainer`, another ARN, with rights of its own), the job's next issuance
 * found it by name and handed the job, and every rank of it, sessions of a role its submitter may not pass. STS's own
 * AssumeRole refuses such an ARN ("cannot be found"), as AWS does, and so does a job's issuance now: the job is told its
 * role does not exist (review kb, 1).
 *
 * A real server: alice may pass `role/trainer` only; her job reads its credentials; the admin replaces the role with
 * `role/admin/trainer`, which may list users; the job's endpoint must not hand out that role's sessions.
 *
 * The account default role, when an admin made it under a path of their own, is now named by its ARN, path included:
 * a default-role job recorded (and its documents' `RoleArn` said) `role/GatehouseTrainingDefaultRole`, an ARN of no
 * role, and would now be refused by the exact lookup.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { ROLE_ARN, startJobsWorld, type JobsWorld } from './support/jobs-world.ts';

let w: JobsWorld;
let iam: I.IAMClient;

before(async () => {
  w = await startJobsWorld('gh-jobs-review-kb2-');
  iam = new I.IAMClient({ endpoint: w.server.url, region: 'us-east-1', credentials: w.adminKeys, maxAttempts: 1 });
});
after(async () => {
  iam?.destroy();
  await w?.close();
});

test('kb2: a job of role/trainer is not issued sessions of role/admin/trainer, made after role/trainer was deleted', async () => {
  const alice: Connection = { endpoint: new URL(w.server.url), credentials: w.alice, region: 'us-east-1', credentialsSource: 'test' };
  const submitted = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(alice, 'POST', ['jobs'], { body: { workspace: 'vision', role: ROLE_ARN, imds: false } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  const { capability, environment } = submitted.value;
  const read = async (): Promise<{ status: number; body: Record<string, string> }> => {
    const r = await fetch(environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: capability } });
    return { status: r.status, body: (await r.json()) as Record<string, string> };
  };
  assert.equal((await read()).status, 200);

  // The role goes; another of its name is made under /admin/, trusting the training service and allowed more.
  await iam.send(new I.DeleteRoleCommand({ RoleName: 'trainer' }));
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', Path: '/admin/', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'admin', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }] }) }));

  const after = await read();
  if (after.status === 200) {
    // What the served session is: one of the new role, which can list the account's users.
    const creds = { accessKeyId: after.body['AccessKeyId'] ?? '', secretAccessKey: after.body['SecretAccessKey'] ?? '', sessionToken: after.body['Token'] ?? '' };
    const sts = new STSClient({ endpoint: w.server.url, region: 'us-east-1', maxAttempts: 1, credentials: creds });
    const job = new I.IAMClient({ endpoint: w.server.url, region: 'us-east-1', maxAttempts: 1, credentials: creds });
    const who = await sts.send(new GetCallerIdentityCommand({})).then((x) => x.Arn, (e: Error) => `refused: ${e.name}`);
    const users = await job.send(new I.ListUsersCommand({})).then((x) => `listed ${x.Users?.length ?? 0} users`, (e: Error) => `refused: ${e.name}`);
    sts.destroy();
    job.destroy();
    assert.fail(`the job of ${ROLE_ARN} was served a session of arn:aws:iam::000000000000:role/admin/trainer, which alice may not pass: ${who}, ${users}`);
  }
  assert.equal(after.status, 404, JSON.stringify(after.body));
  assert.equal(after.body['Code'], 'NoRole');
  assert.match(after.body['Message'] ?? '', new RegExp(`^job ${submitted.value.job.id}'s role ${ROLE_ARN} does not exist`));
});

test('kb2: a default-role job is issued sessions of the account default role at the path an admin made it under', async () => {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'GatehouseTrainingDefaultRole', Path: '/service/', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const alice: Connection = { endpoint: new URL(w.server.url), credentials: w.alice, region: 'us-east-1', credentialsSource: 'test' };
  const submitted = await call<{ job: { id: string; role: { arn: string } }; capability: string; environment: Record<string, string> }>(alice, 'POST', ['jobs'], { body: { workspace: 'vision', role: 'default', imds: false } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  assert.equal(submitted.value.job.role.arn, 'arn:aws:iam::000000000000:role/service/GatehouseTrainingDefaultRole');
  const r = await fetch(submitted.value.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: submitted.value.capability } });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(((await r.json()) as { RoleArn: string }).RoleArn, 'arn:aws:iam::000000000000:role/service/GatehouseTrainingDefaultRole');
});
