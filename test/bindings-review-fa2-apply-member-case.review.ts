/**
 * Review fa, 2: `gatehouse apply` took a binding's member, or an IAM entity's ARN as a policy's resource, for one the
 * apply creates whenever a User, Group or Role document had that name in any case — also when the store already held
 * the entity under another case (IAM keeps names unique without case; apply reads the document `Alice` as the stored
 * user `alice`, "unchanged", and renames nothing) or with a path the ARN lacks. So apply stored `user:Alice` for the
 * user `alice`, and a policy on `arn:aws:iam::…:user/bob` for the user whose ARN is `…:user/team/bob`: each granted
 * nothing, silently, where `PUT /v1/iam-policies` refuses both (members and ARNs match exactly, as the engine matches
 * them; reviews aq, 2 and ai, 5), and the policy read back could not be written back through the API. Now a document
 * counts as creating only a principal the store does not hold, by its exact name; what the store holds is checked as
 * the API checks it (VALIDATION_ERROR at `spec.bindings[i].members[j]`, NO_SUCH_ENTITY at `spec.resource`), and
 * nothing is written. Principals the same apply creates are still accepted.
 * Real server, SigV4-signed `POST /v1/apply`, AWS SDK v3 IAM client. Before the fix the first two tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const MODEL = `arn:aws:training::${ROOT}:model/fa2`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (resource: string, member: string) => doc('IamPolicy', `p-${resource.length}-${member.length}`, { resource, bindings: [{ role: 'roles/ml.viewer', members: [member] }] });

interface ApplyError {
  code: string;
  path: string;
  message: string;
}

describe('apply checks members and resources the store holds as the API does', () => {
  let server: TestServer;
  const apply = (documents: unknown[]) => gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents });
  const errorsOf = (json: Record<string, unknown>): ApplyError[] => ((json['error'] as { details?: ApplyError[] } | undefined)?.details ?? []);
  const bindingsOn = async (resource: string): Promise<unknown> => {
    // No policy: a resource not there answers NoSuchEntity (404) since review jg, 2.
    const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
    return r.status === 404 ? [] : r.json['bindings'];
  };

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
    await server.iam().send(new I.CreateUserCommand({ UserName: 'bob', Path: '/team/' }));
  });
  after(() => server?.stop());

  test('a member spelt otherwise than the stored user is refused, though a document names the user so', async () => {
    const r = await apply([doc('User', 'Alice', {}), policy(MODEL, 'user:Alice')]);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const e = errorsOf(r.json).find((x) => x.path === 'spec.bindings[0].members[0]');
    assert.ok(e !== undefined, JSON.stringify(r.json));
    assert.match(e.message, /has no user named `Alice` \(names match exactly: it has `alice`\)/);
    assert.deepEqual(await bindingsOn(MODEL), [], 'nothing was written');
    // What the API says of the same policy.
    const put = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['user:Alice'] }] });
    assert.equal(put.status, 400, JSON.stringify(put.json));
  });

  test('a policy on an ARN that is not the stored user’s own is refused, though a document names the user', async () => {
    for (const [name, arn] of [['bob', `arn:aws:iam::${ROOT}:user/bob`], ['Alice', `arn:aws:iam::${ROOT}:user/Alice`]] as const) {
      const r = await apply([doc('User', name, {}), policy(arn, 'user:alice')]);
      assert.equal(r.status, 404, `${arn}: ${JSON.stringify(r.json)}`);
      const e = errorsOf(r.json).find((x) => x.path === 'spec.resource');
      assert.ok(e !== undefined && e.code === 'NO_SUCH_ENTITY', JSON.stringify(r.json));
      assert.deepEqual(await bindingsOn(arn), [], 'nothing was written');
    }
  });

  test('members and ARNs spelt as stored, and principals the apply creates, are accepted', async () => {
    const r = await apply([
      doc('User', 'alice', {}),
      doc('User', 'Carol', {}),
      doc('Group', 'Readers', {}),
      doc('IamPolicy', 'model', { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['user:alice', 'user:Carol', 'group:Readers'] }] }),
      // No policy on `…:user/team/bob` or `…:user/Carol` here any more: no role binds on a user's ARN (reviews qi, 2 and
      // rj, 1); the ARN spelt otherwise is still refused first, above.
    ]);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const answer = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/Carol`, action: 'ml.models.get', resource: MODEL });
    assert.equal(answer.json['decision'], 'Allow', JSON.stringify(answer.json));
  });
});
