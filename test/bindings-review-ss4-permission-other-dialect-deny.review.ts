/**
 * Review ss, 4. A question in the bindings' spelling (`ml.models.get`) is decided by IAM as the IAM actions that need the
 * permission (review ej, 6: `training:GetModel`), but not with the Deny of that action's other name, which the same
 * action asked in either name meets (review ry, 1: `pai:X` ≡ `training:X`, a Deny of either refusing it). So in an `acs`
 * account a RAM guardrail `Deny pai:*` refused `pai:GetModel` and `training:GetModel` on a model, and the authorize API
 * answered `ml.models.get` Allow for the same user through a binding of `roles/ml.developer` on the model: explicit deny
 * did not win in one of three spellings of one request (`ml.jobs.create` on a workspace, which jobs' rules decide, held
 * already; it stays as a guard). Contract: policy-semantics.md §A.1.2 step 2 and issue 8 (an explicit deny in any
 * policy wins; the union: "explicit deny wins"); docs/semantics.md (a Deny statement naming `pai:<X>` refuses
 * `training:<X>`, review ry, 1; a question in the bindings' spelling is the same request as its IAM actions, review B4).
 *
 * Now each IAM action a permission-spelled question stands for is also refused by a Deny of its other dialect's spelling,
 * from a statement naming that action and resource, as when it is asked itself.
 *
 * Before the fix 1 of 3 tests failed. Real server (SQLite), an `acs` account, SigV4-signed /v1/apply and /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type TestServer } from './support/server.ts';

const A = '707147604075';
const MODEL = `acs:pai::${A}:model/m`;
const WS = `acs:pai::${A}:workspace/lab`;
const user = (n: string) => `acs:ram::${A}:user/${n}`;
const doc = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const deny = (action: string) => ({ g: { Version: '1', Statement: [{ Effect: 'Deny', Action: action, Resource: '*' }] } });

let s: TestServer;

const answer = async (principal: string, action: string, resource: string): Promise<{ decision: unknown; diagnostics: string }> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { decision: r.json['decision'], diagnostics: JSON.stringify(r.json['diagnostics']) };
};

before(async () => {
  s = await startTestServer();
  const acs = await accountAdmin(s, A, 'acs');
  const r = await gatehouseJson(s.url, acs, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'guarded', { inlinePolicies: deny('pai:*') }),
      doc('User', 'fenced', { inlinePolicies: deny('training:*') }),
      doc('User', 'free', {}),
      doc('Workspace', 'lab', { members: [{ user: 'guarded' }, { user: 'fenced' }, { user: 'free' }] }),
      doc('IamPolicy', 'model-m', { resource: MODEL, bindings: [{ role: 'roles/ml.developer', members: ['user:guarded', 'user:fenced', 'user:free'] }] }),
      doc('IamPolicy', 'lab', { resource: 'workspace/lab', bindings: [{ role: 'roles/ml.developer', members: ['user:guarded', 'user:fenced', 'user:free'] }] }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(() => s?.stop());

describe('a Deny of the other name of an action holds against its permission’s spelling (review ss, 4)', () => {
  it('Deny pai:* refuses ml.models.get on a PAI model, as it refuses pai:GetModel and training:GetModel', async () => {
    for (const action of ['pai:GetModel', 'training:GetModel', 'ml.models.get']) {
      const a = await answer(user('guarded'), action, MODEL);
      assert.equal(a.decision, 'ExplicitDeny', `${action}: ${a.diagnostics}`);
    }
    const got = await answer(user('guarded'), 'ml.models.get', MODEL);
    assert.match(got.diagnostics, /pai:GetModel/);
  });

  it('Deny training:* refuses ml.jobs.create on a workspace, as it refuses training:CreateJob and pai:CreateJob', async () => {
    for (const action of ['pai:CreateJob', 'training:CreateJob', 'ml.jobs.create']) {
      const a = await answer(user('fenced'), action, WS);
      assert.equal(a.decision, 'ExplicitDeny', `${action}: ${a.diagnostics}`);
    }
  });

  it('without a guardrail the binding still grants all three spellings', async () => {
    for (const [action, on] of [['ml.models.get', MODEL], ['pai:GetModel', MODEL], ['training:GetModel', MODEL], ['ml.jobs.create', WS]] as const) {
      assert.equal((await answer(user('free'), action, on)).decision, 'Allow', action);
    }
  });
});
