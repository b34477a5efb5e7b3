/**
 * Review pz, finding 1: README.md §4 ("A training job with a role") says of a job whose role was deleted that its
 * endpoints answer 404 `NoRole` (`job ID's role ARN does not exist: …`, "also among its events"), and of one whose role
 * no longer trusts the training service `job ID's role ARN cannot be assumed for it: …`, also among its events
 * (docs/errors.md, the job endpoints' table, `AccessDenied` row). The endpoints said so; `jobs events` said only
 * `credential issuance refused: The role with name R cannot be found.`: neither the job's role ARN (a role of the same
 * name under another path is another role, which the job never runs as) nor that it does not exist or cannot be
 * assumed for the job, so the events read differently from what the job's processes were told. The `denied` event
 * now carries the endpoint's words: `job ID's role ARN does not exist: …` / `… cannot be assumed for it: …`.
 *
 * A real server (in process), the AWS SDK v3 container provider (`fromHttp`) and IAM client.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteRoleCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { containerCredentials, jobRoleWorld, trustOf } from './support/job-role-world.ts';

const world = jobRoleWorld('readme-review-pz1');
const TRUST = trustOf('training.gatehouse.dev');

async function deniedEvents(id: string): Promise<string[]> {
  const r = await call<{ events: { type: string; message: string }[] }>(world.conn, 'GET', ['jobs', id, 'events']);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value.events.filter((e) => e.type === 'denied').map((e) => e.message);
}

test('pz1: the event of a job whose role was deleted says what its endpoints say: the role ARN does not exist', async () => {
  const job = await world.jobWithRole('trainer', TRUST);
  await world.iam.send(new DeleteRoleCommand({ RoleName: 'trainer' }));
  const got = await containerCredentials(world.server.agentUrl ?? '', job.capability);
  assert.ok(!got.ok);
  const said = `job ${job.id}'s role arn:aws:iam::${world.account}:role/trainer does not exist: `;
  assert.ok(got.said.includes(said), got.said);
  const events = await deniedEvents(job.id);
  assert.ok(events.some((m) => m.startsWith(said) && /trainer cannot be found/.test(m)), `README: \`${said}…\`, also among its events; got ${JSON.stringify(events)}`);
});

test('pz1: the event of a job whose role no longer trusts the service says it cannot be assumed for it', async () => {
  const job = await world.jobWithRole('untrusted', TRUST);
  await world.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'untrusted', PolicyDocument: trustOf('ec2.amazonaws.com') }));
  const got = await containerCredentials(world.server.agentUrl ?? '', job.capability);
  assert.ok(!got.ok);
  const said = `job ${job.id}'s role arn:aws:iam::${world.account}:role/untrusted cannot be assumed for it: `;
  assert.ok(got.said.includes(said), got.said);
  const events = await deniedEvents(job.id);
  assert.ok(events.some((m) => m.startsWith(said) && /does not allow the service training\.gatehouse\.dev to assume it/.test(m)), `README: \`${said}…\`, also among its events; got ${JSON.stringify(events)}`);
});
