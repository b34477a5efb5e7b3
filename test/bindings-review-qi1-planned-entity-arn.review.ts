/**
 * Review qi, 1. `gatehouse apply` took an IamPolicy whose resource is the ARN of a user, group or role (or a workspace or
 * cluster) that the same apply creates by the name alone: the ARN's path and dialect were not looked at. So
 * `arn:aws:iam::A:role/team/trainer` beside a `Role` document `trainer` (which apply creates at path `/`, ARN
 * `…:role/trainer`), or `arn:aws:iam::B:role/r` for a role of an `acs` account (whose ARN is `acs:ram::B:role/r`), was
 * stored: a policy no request names, granting nothing (PassRole of the role stayed refused), every later apply of the
 * same files `= unchanged` (an unchanged policy is not checked again, review jw, 2), where `PUT /v1/iam-policies` refuses
 * the same policy once the role exists (NO_SUCH_ENTITY, "is not the ARN of role `trainer`"). For a workspace or
 * cluster of an account the same apply creates, the dialect was read from the ARN itself, so `arn:aws:training::B:…`
 * passed for an `acs` account's workspace.
 *
 * Now an entity the apply creates is checked by the ARN it will have (path `/`, the account's dialect, as the apply
 * gives it): another spelling is NO_SUCH_ENTITY at `spec.resource`, naming the ARN to write, and nothing is applied.
 *
 * Before the fix 2 of 3 tests failed. Real server on 127.0.0.1 (SQLite), `POST /v1/apply` and `/v1/authorize`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ACS = '111111111111';
const doc = (kind: string, name: string, spec: Record<string, unknown>, account?: string) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, ...(account !== undefined ? { account } : {}) }, spec });
const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
const actAs = (members: string[]) => [{ role: 'roles/iam.serviceAccountUser', members }];

interface ApplyError {
  code: string;
  path: string;
  message: string;
}

describe('apply: a policy on what the apply creates names the ARN it will have', () => {
  let s: TestServer;
  const apply = (documents: unknown[]) => gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents });
  const errorsOf = (json: Record<string, unknown>): ApplyError[] => (json['error'] as { details?: ApplyError[] } | undefined)?.details ?? [];
  const exists = async (resource: string): Promise<boolean> => (await gatehouseJson(s.url, s.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`)).status === 200;

  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  test('a role created at path / is not named by an ARN with a path', async () => {
    const wrong = `arn:aws:iam::${ROOT}:role/team/trainer`;
    const r = await apply([doc('User', 'dev', {}), doc('Role', 'trainer', { trustPolicy: trust }), doc('IamPolicy', 'p', { resource: wrong, bindings: actAs(['user:dev']) })]);
    assert.equal(r.status, 404, JSON.stringify(r.json));
    const e = errorsOf(r.json).find((x) => x.path === 'spec.resource');
    assert.ok(e !== undefined && e.code === 'NO_SUCH_ENTITY', JSON.stringify(r.json));
    assert.match(e.message, new RegExp(`\`arn:aws:iam::${ROOT}:role/trainer\``));
    assert.equal(await exists(wrong), false, 'nothing was written');
    const role = await gatehouseJson(s.url, s.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(`arn:aws:iam::${ROOT}:role/trainer`)}`);
    assert.notEqual(role.status, 200);
  });

  test("in an acs account the apply creates, a role's or workspace's ARN in the aws dialect is refused", async () => {
    const r = await apply([
      doc('Account', ACS, { partition: 'acs' }),
      doc('Role', 'r2', { trustPolicy: trust }, ACS),
      doc('Workspace', 'w2', {}, ACS),
      doc('IamPolicy', 'on-role', { resource: `arn:aws:iam::${ACS}:role/r2`, bindings: actAs([`serviceAccount:r2@${ACS}.iam.gatehouse.dev`]) }, ACS),
      doc('IamPolicy', 'on-ws', { resource: `arn:aws:training::${ACS}:workspace/w2`, bindings: [{ role: 'roles/ml.developer', members: ['user:admin'] }] }, ACS),
    ]);
    assert.equal(r.status, 404, JSON.stringify(r.json));
    const at = errorsOf(r.json).filter((x) => x.path === 'spec.resource');
    assert.equal(at.length, 2, JSON.stringify(r.json));
    assert.ok(at.every((x) => x.code === 'NO_SUCH_ENTITY'), JSON.stringify(at));
    assert.match(at.map((x) => x.message).join('\n'), new RegExp(`\`acs:ram::${ACS}:role/r2\``));
    assert.match(at.map((x) => x.message).join('\n'), new RegExp(`\`acs:pai::${ACS}:workspace/w2\``));
  });

  test('the ARNs the apply gives are taken, and grant', async () => {
    const r = await apply([
      doc('User', 'dev', {}),
      doc('Role', 'trainer', { trustPolicy: trust }),
      doc('IamPolicy', 'p', { resource: `arn:aws:iam::${ROOT}:role/trainer`, bindings: actAs(['user:dev']) }),
      doc('Account', ACS, { partition: 'acs' }),
      doc('Role', 'r2', { trustPolicy: trust }, ACS),
      doc('Workspace', 'w2', {}, ACS),
      doc('IamPolicy', 'on-role', { resource: `acs:ram::${ACS}:role/r2`, bindings: actAs([`serviceAccount:r2@${ACS}.iam.gatehouse.dev`]) }, ACS),
      doc('IamPolicy', 'on-ws', { resource: `acs:pai::${ACS}:workspace/w2`, bindings: [{ role: 'roles/ml.developer', members: ['user:admin'] }] }, ACS),
    ]);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/dev`, action: 'iam:PassRole', resource: `arn:aws:iam::${ROOT}:role/trainer` });
    assert.equal(a.json['decision'], 'Allow', JSON.stringify(a.json));
  });
});
