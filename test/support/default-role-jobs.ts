/**
 * The default-role jobs' suites (review S, 3; review gn, 4): a user who is the member of a workspace of its own, the
 * authorize API's decision as a caller, and a default-role job's session, all through the admin REST client the CLI
 * uses (`call`); the job is submitted as the CLI submits it (no process is launched) and its session read from the
 * container endpoint, as the SDKs fetch it.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call, type Connection } from '../../src/adapters/cli/client.ts';
import { connectionTo } from './processes.ts';
import type { Credentials, TestServer } from './server.ts';

/** The admin API client's connection as `c` (a session's token included) to `s`. */
export const connectionAs = (s: Pick<TestServer, 'url'>, c: Credentials): Connection =>
  connectionTo(s.url, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) });

/**
 * A new user `name` of `s`'s root account with `setUp` applied (its policies: called between the user's creation and
 * its access key's), a member of workspace `<name>-ws` whose default bucket is `<name>-data`; answers its access key.
 */
export async function workspaceUser(s: Pick<TestServer, 'url' | 'admin' | 'iam'>, name: string, setUp: (iam: I.IAMClient) => Promise<unknown>): Promise<Credentials> {
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await setUp(iam);
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  const put = await call(connectionAs(s, s.admin), 'PUT', ['workspaces', `${name}-ws`], { body: { members: [{ user: name }], defaultBucket: `arn:aws:s3:::${name}-data` } });
  assert.ok(put.ok, put.ok ? '' : put.message);
  return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
}

/** The authorize API's decision (`Allow`, `ImplicitDeny`, `ExplicitDeny`) for `who` itself; fails the test when it is refused. */
export async function decisionFor(s: Pick<TestServer, 'url'>, who: Credentials, action: string, resource: string): Promise<string> {
  const d = await call<{ decision: string }>(connectionAs(s, who), 'POST', ['authorize'], { body: { action, resource } });
  assert.ok(d.ok, d.ok ? '' : d.message);
  return d.value.decision;
}

/** Submits a default-role job as `who` in `workspace` (no process is launched) and returns its session's credentials and its id. */
export async function defaultRoleJob(s: Pick<TestServer, 'url' | 'running'>, who: Credentials, workspace: string): Promise<{ creds: Credentials; id: string }> {
  const r = await call<{ job: { id: string }; capability: string }>(connectionAs(s, who), 'POST', ['jobs'], { body: { workspace, role: 'default', imds: false } });
  assert.ok(r.ok, r.ok ? '' : r.message);
  const got = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: r.value.capability } });
  const body = await got.text();
  assert.equal(got.status, 200, body);
  const j = JSON.parse(body) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  return { creds: { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token }, id: r.value.job.id };
}
