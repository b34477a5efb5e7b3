/**
 * The suites on what a refusal about a job tells of its existence (reviews ag, 1 and cb, 1): a job of the root admin
 * in workspace `merger-talks`, users with inline policies, and the four ways of asking about a job.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './resource-server.ts';
import type { Credentials, TestServer } from './server.ts';

/** Submits, as `server`'s root admin, a job of role `none` in workspace `merger-talks` (made for it); answers its id. */
export async function mergerTalksJob(server: TestServer): Promise<string> {
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/merger-talks', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'merger-talks', role: 'none', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  return String((submitted.json['job'] as { id: string }).id);
}

/** A new user `name` with the inline policy `p` of `statements` (none when there are none); answers its access key. */
export async function userWithStatements(server: TestServer, name: string, ...statements: object[]): Promise<Credentials> {
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  if (statements.length > 0) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

/** The four ways of asking about job `jobId` as `c`, each answered: status and answer (the job id replaced by `ID`). */
export async function jobAnswers(server: Pick<TestServer, 'url'>, c: Credentials, jobId: string): Promise<{ status: number; message: string }[]> {
  const asked = await Promise.all([
    gatehouseJson(server.url, c, 'GET', `/v1/jobs/${jobId}`),
    gatehouseJson(server.url, c, 'GET', `/v1/jobs/${jobId}/events`),
    gatehouseJson(server.url, c, 'POST', `/v1/jobs/${jobId}/stop`, {}),
    gatehouseJson(server.url, c, 'POST', '/v1/sts/revoke-sessions', { jobId }),
  ]);
  return asked.map((r) => ({ status: r.status, message: JSON.stringify(r.json).replaceAll(jobId, 'ID') }));
}
