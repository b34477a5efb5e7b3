/**
 * Review ly, 1: a workspace's, job's or cluster's ARN has no region (`acs:pai::A:workspace/W`,
 * `arn:aws:training::A:workspace/W`; src/core/jobs/jobs.ts `workspaceArn`), and a role's, user's or group's none either
 * (IAM and RAM are global), and jobs, PassRole and the clusters API decide on those ARNs alone. A binding's condition
 * written with a region in such an ARN, as Alibaba's PAI ARNs carry one (`acs:pai:cn-hangzhou:A:workspace/W`, the form
 * RAM's documentation gives for PAI resources) and SageMaker's (`arn:aws:sagemaker:us-east-1:A:training-job/x`), was
 * stored as written: `roles/ml.developer` under `!resource.name.startsWith("acs:pai:cn-hangzhou:A:workspace/vision")`,
 * "every workspace but vision", held for vision too, and its member was allowed `training:CreateJob` there (fail open);
 * the positive form granted nothing. The checks of reviews ie, 2–4 looked at the ARN's service and partition only, not
 * its region. GCP's setIamPolicy takes a condition as written, but Gatehouse refuses a `resource.name` comparison no
 * request can make come out otherwise (review gx, 7; docs/semantics.md). Now a write refuses `==`, `!=` and
 * `startsWith` of `resource.name` with such an ARN naming a region, at the literal, naming the ARN to write (without
 * the region). The region-less ARN is taken and decides as meant.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server, an `acs` account made with the CLI and its workspace `vision` applied, SigV4-signed /v1/ calls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { acsAccount, visionAndGpu } from './support/alibaba-world.ts';
import { details } from './support/bindings-conditions.ts';

const ACS = '350000000091';
const ROOT = '000000000000';
const FAY = `acs:ram::${ACS}:user/fay`;

describe('a condition comparing resource.name with a workspace’s, job’s, cluster’s or role’s ARN naming a region', () => {
  let s: TestServer;
  let admin: Credentials;
  const put = (expression: string, role = 'roles/ml.developer', account = ACS, creds?: Credentials) =>
    gatehouseJson(s.url, creds ?? admin, 'PUT', '/v1/iam-policies', { resource: `account/${account}`, bindings: [{ role, members: ['user:fay'], condition: { title: 'not vision', expression } }] });
  const submits = async (resource: string): Promise<unknown> =>
    (await gatehouseJson(s.url, admin, 'POST', '/v1/authorize', { principal: FAY, action: 'training:CreateJob', resource })).json['decision'];

  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, ACS);
    await s.iam(admin).send(new I.CreateUserCommand({ UserName: 'fay' }));
    await s.iam().send(new I.CreateUserCommand({ UserName: 'fay' }));
    await visionAndGpu(s, admin, ACS, ['fay']);
    const other = { apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name: 'other', account: ACS }, spec: { members: [{ user: 'fay' }] } };
    assert.equal((await gatehouseJson(s.url, admin, 'POST', '/v1/apply', { documents: [other] })).status, 200);
  });
  after(() => s?.stop());

  test('`!resource.name.startsWith("acs:pai:cn-hangzhou:A:workspace/vision")` is refused, naming the ARN to write, and no job is allowed there', async () => {
    const r = await put(`!resource.name.startsWith("acs:pai:cn-hangzhou:${ACS}:workspace/vision")`);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const [e] = details(r.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
    assert.equal(e?.path, 'bindings[0].condition.expression');
    assert.equal(e?.column, 27);
    assert.match(e?.message ?? '', new RegExp(`\`acs:pai::${ACS}:workspace/vision\``), 'it names the ARN to write');
    assert.notEqual(await submits(`acs:pai::${ACS}:workspace/vision`), 'Allow');
  });

  test('a job’s or cluster’s ARN with a region is refused with `==` and `!=` too', async () => {
    for (const expression of [`resource.name != "acs:pai:cn-hangzhou:${ACS}:job/j-1"`, `resource.name == "acs:pai:cn-shanghai:${ACS}:cluster/gpu"`]) {
      const r = await put(expression);
      assert.equal(r.status, 400, `${expression}: ${JSON.stringify(r.json)}`);
      assert.equal(details(r.json)[0]?.code, 'BINDINGS_INVALID_CONDITION');
    }
  });

  test('in an aws account, `arn:aws:training:us-east-1:…` and an IAM role’s ARN with a region are refused', async () => {
    for (const [expression, role, ours] of [
      [`!resource.name.startsWith("arn:aws:training:us-east-1:${ROOT}:workspace/vision")`, 'roles/ml.developer', `arn:aws:training::${ROOT}:workspace/vision`],
      [`!resource.name.startsWith("arn:aws:iam:us-east-1:${ROOT}:role/admin")`, 'roles/iam.serviceAccountUser', `arn:aws:iam::${ROOT}:role/admin`],
    ] as const) {
      const r = await put(expression, role, ROOT, s.admin);
      assert.equal(r.status, 400, `${expression}: ${JSON.stringify(r.json)}`);
      const [e] = details(r.json);
      assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
      assert.ok((e?.message ?? '').includes(`\`${ours}\``), `it names ${ours}: ${e?.message}`);
    }
  });

  test('the ARN without a region is taken and decides as meant', async () => {
    const r = await put(`!resource.name.startsWith("acs:pai::${ACS}:workspace/vision")`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.notEqual(await submits(`acs:pai::${ACS}:workspace/vision`), 'Allow');
    assert.equal(await submits(`acs:pai::${ACS}:workspace/other`), 'Allow');
  });
});
