/**
 * Review S, S6: a node started by a role session hands on the caller's own SourceIdentity, or else its session ARN,
 * never the RoleSessionName its assumer chose. Against a real server (startTestServer): `@aws-sdk/client-iam` and
 * `@aws-sdk/client-sts` to set up and assume the starter role, the admin REST client (`call`) to start the node, the
 * job's credentials from the container endpoint, and the `gatehouse audit query` CLI in process (cliAgainst).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';
import { settled } from './support/settle.ts';

const ACCT = '000000000000';
const ROLE = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
const conn = (c: Credentials) => connectionTo(s.url, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) });

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

/** The SourceIdentity the audit log records for the node job's session (kind session). */
async function nodeSessionSourceIdentity(jobId: string): Promise<string | undefined> {
  // The audit log is written in the background: asked until the record is there, to a bound of time (settle.ts).
  const { out, session } = await settled(
    async () => {
      const r = await cliAgainst(s, ['audit', 'query', '--job', jobId, '--json']);
      assert.equal(r.status, 0, r.err);
      const records = r.out.trim().split('\n').filter(Boolean).flatMap((line) => {
        const v = JSON.parse(line) as unknown;
        return Array.isArray(v) ? v : [v];
      }) as { kind: string; sourceIdentity?: string }[];
      return { out: r.out, session: records.find((x) => x.kind === 'session') };
    },
    (got) => got.session !== undefined,
  );
  assert.ok(session, `no session record for job ${jobId}: ${out}`);
  return session.sourceIdentity;
}

test('S6: a node session carries the starter\'s own SourceIdentity, else its session ARN, never its RoleSessionName', async () => {
  const iam = s.iam();
  const trust = (principal: object) => doc({ Effect: 'Allow', Principal: principal, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'cluster-node', AssumeRolePolicyDocument: trust({ Service: 'compute.gatehouse.dev' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'node-starter', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCT}:root` }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'node-starter', PolicyName: 'start', PolicyDocument: doc({ Effect: 'Allow', Action: ['training:StartClusterNode', 'iam:PassRole'], Resource: '*' }) }));
  assert.ok((await call(conn(s.admin), 'PUT', ['clusters', 'gpu-a'], { body: { instanceRole: 'cluster-node' } })).ok);
  await iam.send(new I.CreateUserCommand({ UserName: 'carol' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: ROLE('node-starter') }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey;
  const carol = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };

  const startAs = async (sourceIdentity?: string): Promise<string> => {
    const a = await s.sts(carol).send(new AssumeRoleCommand({ RoleArn: ROLE('node-starter'), RoleSessionName: 'alice', ...(sourceIdentity ? { SourceIdentity: sourceIdentity } : {}) }));
    const c = a.Credentials;
    const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    const started = await call<{ job: { id: string }; capability: string }>(conn(session), 'POST', ['clusters', 'gpu-a', 'nodes'], { body: { imds: false } });
    assert.ok(started.ok, started.ok ? '' : started.message);
    // The node's session is issued when it fetches its credentials.
    const got = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: started.value.capability } });
    assert.equal(got.status, 200, await got.text());
    assert.ok((await call(conn(session), 'POST', ['jobs', started.value.job.id, 'stop'])).ok);
    return started.value.job.id;
  };

  // carol's session says SourceIdentity carol: the node's sessions say carol, not the session name alice.
  assert.equal(await nodeSessionSourceIdentity(await startAs('carol')), 'carol');
  // Without one: the session ARN (made to fit SourceIdentity: its resource part and a digest of the whole ARN, review
  // qd, 2), not the free-form session name.
  const without = await nodeSessionSourceIdentity(await startAs());
  assert.notEqual(without, 'alice');
  assert.equal(without, `assumed-role_node-starter_alice.${createHash('sha256').update(`arn:aws:sts::${ACCT}:assumed-role/node-starter/alice`).digest('hex').slice(0, 16)}`);
});
