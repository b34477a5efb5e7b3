/**
 * Review ad, finding ad2: the authorize API decided a workspace question on the ARN as asked, while jobs decide it on
 * the workspace's own ARN. A workspace is found by its name in any case (`gatehouse workspaces get W` reads workspace
 * `w`), and jobs decide on `…:workspace/w` (training:GetWorkspace also refuses an explicit deny of the name as asked).
 * Since the union knows membership (review I, M2), a member asked about `…:workspace/W` was found a member of `w` and
 * answered Allow, past a Deny of training:GetWorkspace on `…:workspace/w` that refuses `GET /v1/workspaces/W`; and a
 * member whose policy allows training:CreateJob on `…:workspace/W` only was answered Allow, where `POST /v1/jobs` to
 * `W` is refused (decided on `w`); likewise another partition's ARN (`arn:aws-cn:…`, `acs:pai:…`), and a job's ARN in
 * another partition's spelling (a Deny of its own ARN, which refuses `GET /v1/jobs/<id>`, did not hold). Now each is
 * decided on its own ARN, in the account's dialect, an explicit deny of the ARN as asked still refusing. Real server
 * (SQLite), SDK v3 IAM, the admin API as the gatehouse CLI signs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ARN = (name: string) => `arn:aws:training::${A}:workspace/${name}`;

describe('review ad2: a workspace asked about in another case is decided on its own ARN', () => {
  let server: TestServer;
  const keys: Record<string, Credentials> = {};
  const ask = async (user: string, action: string, resource: string): Promise<{ decision: string; reasons: string[] }> => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/${user}`, action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as { decision: string; reasons: string[] };
  };

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    const users: Record<string, object[]> = {
      // A member, denied reading this workspace.
      alice: [{ Effect: 'Deny', Action: 'training:GetWorkspace', Resource: ARN('w') }],
      // A member, allowed to submit to `W` only.
      carol: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: ARN('W') }],
      // A member, allowed to submit to `w`, and denied on the spelling `W`.
      dave: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: ARN('w') }, { Effect: 'Deny', Action: 'training:*', Resource: ARN('W') }],
      // A member with no policy.
      erin: [],
    };
    for (const [name, statements] of Object.entries(users)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      if (statements.length > 0) await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
      keys[name] = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    }
    const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: Object.keys(users).map((user) => ({ user })) });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
  });
  after(() => server?.stop());

  it('a Deny on the workspace holds against a member asked about it in another case, as GET /v1/workspaces/W refuses', async () => {
    const read = await gatehouseJson(server.url, keys['alice'] as Credentials, 'GET', '/v1/workspaces/W');
    assert.equal(read.status, 403, JSON.stringify(read.json));
    const a = await ask('alice', 'training:GetWorkspace', ARN('W'));
    assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
    // Nor in another partition's spelling: the account's workspace is `arn:aws:…`, which jobs decide on.
    for (const other of [`arn:aws-cn:training::${A}:workspace/w`, `acs:pai::${A}:workspace/w`]) {
      const o = await ask('alice', 'training:GetWorkspace', other);
      assert.equal(o.decision, 'ExplicitDeny', `${other}: ${JSON.stringify(o)}`);
    }
    // A member without any policy reads it in any case, and is answered so.
    assert.equal((await gatehouseJson(server.url, keys['erin'] as Credentials, 'GET', '/v1/workspaces/W')).status, 200);
    assert.equal((await ask('erin', 'training:GetWorkspace', ARN('W'))).decision, 'Allow');
  });

  it('a job asked about in another partition\'s spelling is decided on its own ARN, as jobs get decides it', async () => {
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'fred' }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'fred' }))).AccessKey!;
    keys['fred'] = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/jobs', { members: [{ user: 'admin' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const job = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'jobs', role: 'none' });
    assert.equal(job.status, 201, JSON.stringify(job.json));
    const id = String((job.json['job'] as { id: string }).id);
    const own = `arn:aws:training::${A}:job/${id}`;
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'fred', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:GetJob', Resource: '*' }, { Effect: 'Deny', Action: 'training:GetJob', Resource: own }) }));
    const got = await gatehouseJson(server.url, keys['fred'] as Credentials, 'GET', `/v1/jobs/${id}`);
    assert.equal(got.status, 403, JSON.stringify(got.json));
    assert.equal((await ask('fred', 'training:GetJob', own)).decision, 'ExplicitDeny');
    for (const other of [`arn:aws-cn:training::${A}:job/${id}`, `acs:pai::${A}:job/${id}`]) {
      const o = await ask('fred', 'training:GetJob', other);
      assert.equal(o.decision, 'ExplicitDeny', `${other}: ${JSON.stringify(o)}`);
    }
  });

  it('training:CreateJob is decided on the workspace as jobs decide it, whatever the case asked', async () => {
    const submitted = await gatehouseJson(server.url, keys['carol'] as Credentials, 'POST', '/v1/jobs', { workspace: 'W', role: 'none' });
    assert.equal(submitted.status, 403, JSON.stringify(submitted.json));
    const c = await ask('carol', 'training:CreateJob', ARN('W'));
    assert.equal(c.decision, 'ImplicitDeny', JSON.stringify(c));
    // An explicit deny of the spelling asked still refuses (never looser than the ARN as asked).
    assert.equal((await ask('dave', 'training:CreateJob', ARN('W'))).decision, 'ExplicitDeny');
    assert.equal((await ask('dave', 'training:CreateJob', ARN('w'))).decision, 'Allow');
  });
});
