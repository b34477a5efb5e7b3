/**
 * Review ri, 1: a node agent kept serving a job's session after it was revoked, when the server could not issue the job
 * another: the role's trust policy no longer lets the training service assume it, and its sessions are revoked
 * (`sts revoke-sessions --role-arn`, the way to take a role from running jobs). The server answers its endpoints 409
 * `AccessDenied`, naming why (docs/errors.md, review km, 2), while the agent, which keeps what it holds through a
 * refusal of a new session or an outage ("keeps serving credentials it holds while they are valid", docs/errors.md),
 * went on answering 200 with the revoked session, refused by every call (`ExpiredToken`, DESIGN.md "Errors"), until
 * 30 min before its real expiry, hours on: every process that started or refreshed meanwhile got dead credentials,
 * not the reason, and a job's endpoints served different answers at one moment (DESIGN.md: every endpoint of a job
 * serves the same session). Now the server names the key id of the session it held and found revoked in its refusal
 * (`x-gatehouse-revoked-session`), and the agent drops that session when it holds it, passing the refusal on. A role
 * whose trust changed without a revocation still has its held session served, by the server and the agent alike.
 *
 * A real server and node agent (in process), the AWS SDK v3 container provider and STS client.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { containerCredentials, jobRoleWorld, trustOf } from './support/job-role-world.ts';

const world = jobRoleWorld('agent-review-ri1');

/** A job with role `name`, read once through a new node agent; then the role trusts another service. */
async function readThenUntrusted(name: string): Promise<{ job: { id: string; capability: string }; agent: string; key: string }> {
  const job = await world.jobWithRole(name, trustOf('training.gatehouse.dev'));
  const agent = await world.nodeAgent();
  const first = await containerCredentials(agent, job.capability);
  assert.ok(first.ok, first.ok ? '' : first.said);
  await world.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trustOf('ec2.amazonaws.com') }));
  return { job, agent, key: first.credentials.accessKeyId };
}

test('ri1: a revoked session the server cannot replace is not served on by the node agent: its refusal is', async () => {
  const { job, agent, key } = await readThenUntrusted('kicked');
  const revoked = await call(world.conn, 'POST', ['sts', 'revoke-sessions'], { body: { roleArn: `arn:aws:iam::${world.account}:role/kicked` } });
  assert.ok(revoked.ok, JSON.stringify(revoked));
  const why = /^no credentials: AccessDenied job .* cannot be assumed for it: the trust policy of role .*kicked does not allow the service training\.gatehouse\.dev/;
  const direct = await containerCredentials(world.server.agentUrl ?? '', job.capability);
  assert.match(direct.ok ? `credentials ${direct.credentials.accessKeyId}` : direct.said, why);
  const relayed = await containerCredentials(agent, job.capability);
  if (relayed.ok) {
    // What the agent served: the revoked session, which STS refuses.
    assert.equal(relayed.credentials.accessKeyId, key);
    const sts = new STSClient({ endpoint: world.server.url, region: 'us-east-1', credentials: relayed.credentials, maxAttempts: 1 });
    const said = await sts.send(new GetCallerIdentityCommand({})).then(() => 'accepted', (e: Error) => e.name);
    sts.destroy();
    assert.fail(`the node agent served the revoked session ${key} (STS: ${said}) where the server refuses: ${direct.ok ? '' : direct.said}`);
  }
  assert.match(relayed.said, why);
  // The credentials URI of the same job (the agent's one entry per job) answers the same.
  const uri = await fetch(`${agent}/v1/credentials/${encodeURIComponent(job.capability)}`);
  assert.equal(uri.status, 409);
});

test('ri1: a role whose trust changed without a revocation keeps its held session served, by the server and the node agent', async () => {
  const { job, agent, key } = await readThenUntrusted('untrusted');
  const direct = await containerCredentials(world.server.agentUrl ?? '', job.capability);
  assert.ok(direct.ok, direct.ok ? '' : direct.said);
  assert.equal(direct.credentials.accessKeyId, key);
  const relayed = await containerCredentials(agent, job.capability);
  assert.ok(relayed.ok, relayed.ok ? '' : relayed.said);
  assert.equal(relayed.credentials.accessKeyId, key);
});
