/**
 * Review vz, finding 1: AWS's way of revoking a role's sessions, the inline policy IAM's "Revoke active sessions" attaches
 * (`AWSRevokeOlderSessions`: Deny `*` on `*` when `DateLessThan aws:TokenIssueTime` the moment it was written), which
 * DESIGN.md says is honoured, cut a running job of the role off for hours: its credential endpoints served the session
 * cached for it, now denied every call, until its refresh (half its lifetime), and every process of the job got
 * AccessDenied meanwhile, where `gatehouse sts revoke-sessions --role-arn` had them served a new session at their next
 * fetch. The job is not revoked, its role's older sessions are: a session the role's policies deny by its issue time,
 * and would not deny issued now, is now issued again at the next fetch, as after `revoke-sessions`.
 *
 * A real server and node agent (in process), the AWS SDK v3 container provider (`fromHttp`) and IAM's client.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { containerCredentials, jobRoleWorld, trustOf } from './support/job-role-world.ts';
import { settled } from './support/settle.ts';

const world = jobRoleWorld('jobs-review-vz1');
const TRUST = trustOf('training.gatehouse.dev');

/** What the job's credentials at `base` may do: their key id, and whether GetRole on its own role is allowed with them. */
async function read(base: string, capability: string, role: string): Promise<{ key: string; said: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } }> {
  const got = await containerCredentials(base, capability);
  if (!got.ok) return { key: '', said: got.said };
  const iam = new IAMClient({ endpoint: world.server.url, region: 'us-east-1', maxAttempts: 1, credentials: got.credentials });
  try {
    await iam.send(new GetRoleCommand({ RoleName: role }));
    return { key: got.credentials.accessKeyId, said: 'allowed', credentials: got.credentials };
  } catch (e) {
    return { key: got.credentials.accessKeyId, said: `refused: ${(e as { name?: string }).name ?? String(e)}` };
  } finally {
    iam.destroy();
  }
}

/** A job of role `name`, allowed iam:GetRole, whose role then gets IAM's "Revoke active sessions" policy: its first read. */
async function revokedTheAwsWay(name: string, base: () => Promise<string>): Promise<{ capability: string; url: string; first: Awaited<ReturnType<typeof read>> }> {
  const job = await world.jobWithRole(name, TRUST);
  await world.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'reads', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }] }) }));
  const url = await base();
  // (the Allow reaches the directory within a moment)
  const first = await settled(() => read(url, job.capability, name), (r) => r.said === 'allowed', 10_000, 100);
  assert.equal(first.said, 'allowed', JSON.stringify(first));
  // A whole second later, so that the session's issue time (in whole seconds) is before the policy's date.
  await sleep(1100);
  const revokedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const revoke = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': revokedAt } } }] };
  await world.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'AWSRevokeOlderSessions', PolicyDocument: JSON.stringify(revoke) }));
  return { capability: job.capability, url, first };
}

test('vz1: the server endpoint issues a new session once the role\'s policies deny the cached one by its issue time', async () => {
  const { capability, url, first } = await revokedTheAwsWay('revoked-aws-way', async () => world.server.agentUrl ?? '');
  const after = await settled(() => read(url, capability, 'revoked-aws-way'), (r) => r.said === 'allowed' && r.key !== first.key, 10_000, 200);
  assert.notEqual(after.key, first.key, 'the endpoint kept serving the session the role\'s AWSRevokeOlderSessions policy denies');
  assert.equal(after.said, 'allowed', JSON.stringify(after));
  // The revocation holds for the session it revoked: an explicit deny, as in AWS.
  assert.ok(first.credentials);
  const iam = new IAMClient({ endpoint: world.server.url, region: 'us-east-1', maxAttempts: 1, credentials: first.credentials });
  try {
    await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'revoked-aws-way' })), (e: { name?: string }) => e.name === 'AccessDenied');
  } finally {
    iam.destroy();
  }
});

test('vz1: a node agent passes on the new session within its revalidation', async () => {
  const { capability, url, first } = await revokedTheAwsWay('revoked-via-agent', () => world.nodeAgent());
  const after = await settled(() => read(url, capability, 'revoked-via-agent'), (r) => r.said === 'allowed' && r.key !== first.key, 10_000, 200);
  assert.notEqual(after.key, first.key, 'the node agent kept serving the session the role\'s AWSRevokeOlderSessions policy denies');
  assert.equal(after.said, 'allowed', JSON.stringify(after));
});
