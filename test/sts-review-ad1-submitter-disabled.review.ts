/**
 * Review ad, finding ad1: the authorize API answered Allow for a disabled user on its own job. The union gives a job's
 * submitter its job's actions (training:GetJob, StopJob, ListJobs) whatever the policies say, as jobs do; it did so
 * after the principal's decision, over the refusal of a principal that enforcement refuses outright (a disabled user:
 * its keys and session tokens authenticate nothing). So `gatehouse authorize` asked about a disabled submitter on its
 * job said Allow ("submitted job …, and its submitter may read and stop it"), while the same user was answered
 * ImplicitDeny ("is disabled … may do nothing") on everything else, and could not read the job. Real server (SQLite),
 * SDK v3 IAM, the gatehouse CLI, the admin API as the CLI signs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review ad1: a disabled submitter is not answered Allow on its job', () => {
  let server: TestServer;
  let sam: Credentials;
  let jobArn = '';
  let id = '';
  const SAM = `arn:aws:iam::${A}:user/sam`;
  const ask = async (action: string, resource: string): Promise<{ decision: string; reasons: string[] }> => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: SAM, action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as { decision: string; reasons: string[] };
  };

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'sam' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'sam', PolicyName: 'submit', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'sam' }))).AccessKey!;
    sam = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'sam' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const submitted = await gatehouseJson(server.url, sam, 'POST', '/v1/jobs', { workspace: 'vision', role: 'none' });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    id = String((submitted.json['job'] as { id: string }).id);
    jobArn = `arn:aws:training::${A}:job/${id}`;
  });
  after(() => server?.stop());

  it('enabled, the submitter is answered Allow on its job, as jobs get lets it read it', async () => {
    assert.equal((await ask('training:GetJob', jobArn)).decision, 'Allow');
    assert.equal((await cliAgainst(server, ['jobs', 'get', id], sam)).status, 0);
  });

  it('disabled, it may do nothing: ImplicitDeny on its job too, as on its workspace', async () => {
    const disabled = await cliAgainst(server, ['users', 'disable', 'sam']);
    assert.equal(disabled.status, 0, disabled.err);
    // Enforcement: the key authenticates nothing.
    const got = await cliAgainst(server, ['jobs', 'get', id], sam);
    assert.notEqual(got.status, 0, got.out);
    // The union: refused on everything, the submitter's right included.
    assert.equal((await ask('training:CreateJob', `arn:aws:training::${A}:workspace/vision`)).decision, 'ImplicitDeny');
    for (const action of ['training:GetJob', 'training:StopJob', 'training:ListJobs']) {
      const a = await ask(action, jobArn);
      assert.equal(a.decision, 'ImplicitDeny', `${action}: ${JSON.stringify(a)}`);
      assert.match(a.reasons.join('\n'), /is disabled/);
      assert.doesNotMatch(a.reasons.join('\n'), /its submitter may read and stop it/);
    }
  });
});
