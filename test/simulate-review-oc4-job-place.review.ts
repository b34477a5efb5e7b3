/**
 * Review oc, 4: SimulateCustomPolicy decided a job action (`training:GetJob`, `StopJob`, `ListJobs`) on a job's ARN with
 * the job's workspace as its container (review J, j2), read from the job's record for any caller. The policies of a
 * custom simulation are the caller's own text, so a caller allowed only `iam:SimulateCustomPolicy`, and not allowed to
 * read the job, asked `Allow training:GetJob on workspace/a*` about a job's ARN and read which workspace the job lies
 * in, a prefix at a time, and with `workspace/*` whether the job exists at all.
 *
 * Contract: a job's existence and where it lies are told only to a caller that may read it: jobs answer a caller not
 * allowed to read a job as they answer a job that is not there, never naming its workspace (docs/decisions.md, review
 * ag, 1 and review cb, 1); IAM offers SimulateCustomPolicy as the simulator that shows nothing of others
 * (API_SimulatePrincipalPolicy). Now a job's workspace takes part in a simulation only for a caller that may read the
 * job (its submitter, or allowed training:GetJob on its ARN or its workspace's, with no explicit deny on either, as
 * jobs combine them); for any other the job's ARN is decided alone, as a job that is not there.
 * SDK v3 against a real server.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { iamUserWith, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const WS = (name: string) => `arn:aws:training::${A}:workspace/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const onWorkspaces = (pattern: string) => doc({ Effect: 'Allow', Action: 'training:GetJob', Resource: WS(pattern) });

let server: TestServer;
let prober: I.IAMClient;
let reader: I.IAMClient;
let job: string;
const ABSENT = `arn:aws:training::${A}:job/zzzzzzzzzzzz`;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/alpha-lab', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'alpha-lab', role: 'none' });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  job = `arn:aws:training::${A}:job/${String((submitted.json['job'] as { id: string }).id)}`;
  prober = server.iam(await iamUserWith(iam, 'prober', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:SimulateCustomPolicy', Resource: '*' }] }));
  reader = server.iam(await iamUserWith(iam, 'reader', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:SimulateCustomPolicy', 'training:GetJob'], Resource: '*' }] }));
});
after(async () => {
  await server?.stop();
});

const decision = async (client: I.IAMClient, policy: string, resource: string) =>
  (await client.send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [policy], ActionNames: ['training:GetJob'], ResourceArns: [resource] }))).EvaluationResults?.[0]?.EvalDecision;

describe('review oc, 4: a job’s workspace takes part in a simulation only for a caller that may read the job', () => {
  test('a caller not allowed to read the job is not told its workspace', async () => {
    assert.equal(await decision(prober, onWorkspaces('a*'), job), 'implicitDeny', 'the workspace’s first letter is not told');
    assert.equal(await decision(prober, onWorkspaces('b*'), job), 'implicitDeny');
  });

  test('nor whether the job exists: it is answered as a job that is not there', async () => {
    assert.equal(await decision(prober, onWorkspaces('*'), job), await decision(prober, onWorkspaces('*'), ABSENT));
  });

  test('a caller that may read the job simulates it in its workspace, as jobs decide it', async () => {
    assert.equal(await decision(reader, onWorkspaces('alpha-*'), job), 'allowed');
    assert.equal(await decision(reader, onWorkspaces('b*'), job), 'implicitDeny');
  });
});
