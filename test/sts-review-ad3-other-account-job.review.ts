/**
 * Review ad, finding ad3: the authorize API told an asker of another account which workspace holds a job. A question
 * about a job's actions on a job's ARN is decided on the job's ARN and on its workspace's (review J, j2), and when the
 * workspace's side decided, the answer said so: "jobs: decided on workspace `arn:aws:training::A:workspace/<name>`,
 * which holds job `<id>`". That was read for any asker, so account B, asking about its own user on account A's job
 * (an ARN that turns up in A's cross-account records, the job's session named after it), learnt the name of A's
 * workspace, which is A's to know (review I3; jobs answer B NoSuchEntity on A's jobs whatever its policies say). Now a
 * job of another account than the asker's is decided as asked; so is another account's workspace asked about in
 * another case (ad2 decides the asker's own on its stored name, which the answer says). Real server (SQLite), SDK v3 IAM, the admin API as the
 * gatehouse CLI signs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '111122223333';
const B = '333344445555';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review ad3: another account\'s job does not tell its workspace', () => {
  let s: TestServer;
  let aAdmin: Credentials;
  let bAdmin: Credentials;
  let jobArn = '';
  const account = async (id: string): Promise<Credentials> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id, partition: 'aws', name: `acct-${id}` });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return { accessKeyId: String(r.json['AccessKeyId']), secretAccessKey: String(r.json['SecretAccessKey']) };
  };

  before(async () => {
    s = await startTestServer();
    aAdmin = await account(A);
    bAdmin = await account(B);
    const ws = await gatehouseJson(s.url, aAdmin, 'PUT', '/v1/workspaces/merger-talks', { members: [{ user: 'admin' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const submitted = await gatehouseJson(s.url, aAdmin, 'POST', '/v1/jobs', { workspace: 'merger-talks', role: 'none' });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    jobArn = `arn:aws:training::${A}:job/${String((submitted.json['job'] as { id: string }).id)}`;
    const iam = s.iam(bAdmin);
    await iam.send(new I.CreateUserCommand({ UserName: 'bo' }));
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'bo',
      PolicyName: 'p',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Deny', Action: 'training:GetJob', Resource: `arn:aws:training::${A}:workspace/*` }),
    }));
  });
  after(() => s?.stop());

  it('account B asking about its user on A\'s job: decided as asked, A\'s workspace not named', async () => {
    const r = await gatehouseJson(s.url, bAdmin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${B}:user/bo`, action: 'training:GetJob', resource: jobArn });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.notEqual(r.json['decision'], 'Allow', JSON.stringify(r.json));
    assert.doesNotMatch(JSON.stringify(r.json), /merger-talks/);
    // Enforcement: B's callers do not find A's job at all.
    const id = jobArn.slice(jobArn.lastIndexOf('/') + 1);
    const got = await gatehouseJson(s.url, bAdmin, 'GET', `/v1/jobs/${id}`);
    assert.equal(got.status, 404, JSON.stringify(got.json));
  });

  it('nor A\'s workspace asked about in another case (ad2\'s own ARN is for the asker\'s account only)', async () => {
    const r = await gatehouseJson(s.url, bAdmin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${B}:user/bo`, action: 'training:GetWorkspace', resource: `arn:aws:training::${A}:workspace/MERGER-TALKS` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.doesNotMatch(JSON.stringify(r.json), /merger-talks/);
  });

  it('account A asking about its own job is still answered on the job and its workspace', async () => {
    const iam = s.iam(aAdmin);
    await iam.send(new I.CreateUserCommand({ UserName: 'ann' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'ann', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:GetJob', Resource: `arn:aws:training::${A}:workspace/merger-talks` }) }));
    const r = await gatehouseJson(s.url, aAdmin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/ann`, action: 'training:GetJob', resource: jobArn });
    assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
  });
});
