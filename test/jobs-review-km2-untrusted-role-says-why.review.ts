/**
 * Review km, 2: a job whose role's trust policy no longer lets the training service assume it (changed after the job
 * was submitted) was answered 503 `Unavailable` at its credential endpoint once nothing valid was cached. The AWS SDK
 * v3 container provider (`fromHttp`) reads a body only from a 4xx (credential-protocols §2.1: `Code` and `Message`
 * copied onto its error); of a 5xx it says "Server responded with status: 503", so the job's processes saw an outage
 * to wait out, and why was only in `jobs events`. Now a refusal of the job's session that is not an outage (the trust
 * policy's, the role's limits) is answered 409 with `Code` (the refusal's: `AccessDenied`) and `Message` naming the
 * job, its role and why, through the server's endpoint and through a node agent, which passes it on as it is and keeps
 * the credentials it holds (as it does for a 5xx: a session already issued still works); `gatehouse credentials --job`
 * says it and exits 9 (not allowed), not 10 (try again). An outage stays 503.
 *
 * A real server and node agent (in process), the AWS SDK v3 container provider (`fromHttp`).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { runCli } from '../src/adapters/cli/program.ts';
import { containerCredentials, jobRoleWorld, trustOf } from './support/job-role-world.ts';

const world = jobRoleWorld('jobs-review-km2');

/** Submits a job with role `name` (made trusting the training service), then makes the role trust another service. */
async function jobWithUntrustedRole(name: string): Promise<{ id: string; capability: string }> {
  const job = await world.jobWithRole(name, trustOf('training.gatehouse.dev'));
  await world.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trustOf('ec2.amazonaws.com') }));
  return job;
}

/** What the AWS SDK v3 container provider says at `base`: its error's Code and Message, or that it got credentials. */
async function sdkRead(base: string, capability: string): Promise<string> {
  const got = await containerCredentials(base, capability);
  return got.ok ? 'credentials' : got.said;
}

const why = (id: string, role: string) => new RegExp(`^no credentials: AccessDenied job ${id}'s role arn:aws:iam::${world.account}:role/${role} .*trust policy of role arn:aws:iam::${world.account}:role/${role} does not allow the service training\\.gatehouse\\.dev to assume it`);

test('km2: the server endpoint says why a job whose role no longer trusts the training service gets no credentials', async () => {
  const job = await jobWithUntrustedRole('trainer');
  const first = await sdkRead(world.server.agentUrl ?? '', job.capability);
  assert.match(first, why(job.id, 'trainer'));
  // Held a few seconds (review da, 2): said the same way meanwhile.
  assert.match(await sdkRead(world.server.agentUrl ?? '', job.capability), why(job.id, 'trainer'));
  // `gatehouse credentials --job` (a credential_process) says it too, and exits 9 (not allowed), not 10 (try again).
  let err = '';
  const exit = await runCli(['credentials', '--job'], {
    out: () => {},
    err: (t) => void (err += t),
    readFile: async () => {
      throw Object.assign(new Error('no file'), { code: 'ENOENT' });
    },
    now: () => Date.now(),
    version: 'test',
    env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${world.server.agentUrl ?? ''}/v1/container-credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN: job.capability },
  });
  assert.equal(exit, 9, err);
  assert.match(err, /answered 409: .*does not allow the service training\.gatehouse\.dev to assume it/);
  assert.doesNotMatch(err, /try again/);
});

test('km2: a node agent passes the reason on', async () => {
  const job = await jobWithUntrustedRole('relayed');
  const base = await world.nodeAgent();
  assert.match(await sdkRead(base, job.capability), why(job.id, 'relayed'));
});
