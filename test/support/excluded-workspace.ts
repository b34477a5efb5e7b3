/**
 * The world of the reviews of a binding whose condition excludes a workspace (uh, 2; up, 1): workspaces `prod` and
 * `dev` of the root account, each with a job of role `none` that user `erin` (a member of both) submitted, and user
 * `bob` bound `roles/ml.admin` on the account under the condition `!resource.name.startsWith(<prod's ARN>)`, titled
 * "not prod": he administers the account's jobs, those of prod aside.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

export const A = '000000000000';

/** The ARN of job `id` of the root account. */
export const jobArnOf = (id: string): string => `arn:aws:training::${A}:job/${id}`;

export interface ExcludedWorkspace {
  readonly s: TestServer;
  readonly erin: Credentials;
  readonly bob: Credentials;
  /** The id of erin's job in each workspace, `prod` and `dev`. */
  readonly jobs: { readonly prod: string; readonly dev: string };
}

/** Registers the world's `before` and `after` in the suite it is called in; the function answered reads it. */
export function excludedWorkspace(): () => ExcludedWorkspace {
  return suiteWorld('excludedWorkspace', async (cleanUp) => {
    const s = await startTestServer();
    cleanUp(() => s.stop());
    const erin = await userWithKey(s, 'erin');
    const bob = await userWithKey(s, 'bob');
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }] }) }));
    const doc = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name }, spec: { members: [{ user: 'erin' }] } });
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('prod'), doc('dev')] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `account/${A}`,
      bindings: [{ role: 'roles/ml.admin', members: ['user:bob'], condition: { title: 'not prod', expression: `!resource.name.startsWith("arn:aws:training::${A}:workspace/prod")` } }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const submitted = async (workspace: string): Promise<string> => {
      const r = await gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace, role: 'none', imds: false });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return (r.json['job'] as { id: string }).id;
    };
    return { s, erin, bob, jobs: { prod: await submitted('prod'), dev: await submitted('dev') } };
  });
}
