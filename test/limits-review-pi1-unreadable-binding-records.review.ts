/**
 * Review pi, 1: every instance loads the IAM policies (bindings), the custom roles and the workspaces' claims at start
 * and at every change of them (src/app/bindings.ts `load`), and parsed each record unguarded. One record that was not
 * the JSON the server wrote (a database restored or edited by hand, a truncated write) stopped every start with
 * `cannot load the directory from the database (…): Unterminated string in JSON at position 8`, naming no record, and
 * a running instance's every reload after it: IAM, STS and every job's credentials down for one record. DESIGN.md: a
 * restarted instance serves once it can, and the authorize union "fails closed on error"; the precedent is the
 * unreadable IAM policy (src/app/unreadable-policy.ts, review N3) and bucket owner record (review ot1): logged once
 * naming the record, the start goes on, the record fails closed. Bindings only grant, so: an unreadable IAM policy
 * stands in as one of no binding, and one on an ARN keeps that ARN no account's (no other account's identity policy
 * reaches it, none may attach a policy there), as the lost record kept it out of all but its owner's; an unreadable
 * custom role is left out (a binding naming it grants nothing); an unreadable workspace claims nothing. Applying the
 * record's document again replaces it.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { authorizeDecision } from './support/authorize-api.ts';
import { assertSaidOnce, restartAfterEdit, stopRestarted } from './support/edited-store.ts';
import { accountAdmin, cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const OTHER = '444455556666';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const ROLE_DOC = `apiVersion: gatehouse.dev/v1
kind: IamRole
metadata: {name: pi1reader}
spec: {permissions: [storage.objects.get]}
`;
const YAML = `${ROLE_DOC}---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: alice}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: on-b}
spec:
  resource: arn:aws:s3:::pi1-b
  bindings: [{role: roles/storage.objectViewer, members: ["user:alice"]}]
---
apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: on-c}
spec:
  resource: arn:aws:s3:::pi1-c
  bindings: [{role: accounts/${ROOT}/roles/pi1reader, members: ["user:alice"]}]
---
apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: pi1ws}
spec: {members: [{user: alice}], defaultBucket: "arn:aws:s3:::pi1-ws"}
---
apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: on-ws}
spec:
  resource: workspace/pi1ws
  bindings: [{role: roles/storage.objectViewer, members: ["user:alice"]}]
`;
const BROKEN = {
  policy: 'iampolicy/arn/arn:aws:s3:::pi1-b',
  role: `iamrole/${ROOT}/pi1reader`,
  workspace: `ws/${ROOT}/pi1ws`,
};

let first: TestServer;
let server: TestServer | undefined;
let other: Credentials;
let started: unknown;

const aliceOn = (s: TestServer, bucket: string): Promise<string> => authorizeDecision(s, { principal: ALICE, action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/x` });

before(async () => {
  first = await startTestServer({ keepDir: true });
  const file = join(first.dataDir, 'pi1.yaml');
  await writeFile(file, YAML);
  const applied = await cliAgainst(first, ['apply', '-f', file]);
  assert.equal(applied.status, 0, applied.err);
  other = await accountAdmin(first, OTHER, 'aws');
  for (const b of ['pi1-b', 'pi1-c', 'pi1-ws']) assert.equal(await aliceOn(first, b), 'Allow', b);
  try {
    server = await restartAfterEdit(first, async (tx) => {
      await tx.kv.put(BROKEN.policy, '{"resource":"arn:aws:s3:::pi1-b","acc');
      await tx.kv.put(BROKEN.role, 'not json');
      await tx.kv.put(BROKEN.workspace, '{"account":');
    });
  } catch (e) {
    started = e;
  }
});

after(() => stopRestarted(first, server));

describe('review pi1: unreadable IAM policy, custom role and workspace records', () => {
  it('the server starts, and says each record once, naming it', () => {
    assert.ok(server !== undefined, String(started));
    assertSaidOnce(server, Object.values(BROKEN), /CANNOT READ.*fails closed/);
  });

  it('each fails closed: nothing granted, the policy\'s bucket in no other account\'s reach', async () => {
    assert.ok(server !== undefined, String(started));
    for (const b of ['pi1-b', 'pi1-c', 'pi1-ws']) assert.notEqual(await aliceOn(server, b), 'Allow', b);
    // The other account's admin (allow-all in its account) does not reach the bucket, nor may it take it.
    assert.notEqual(await authorizeDecision(server, { action: 's3:GetObject', resource: 'arn:aws:s3:::pi1-b/x' }, other), 'Allow');
    const taken = await call(connectionTo(server.url, other), 'PUT', ['iam-policies'], { body: { resource: 'arn:aws:s3:::pi1-b', bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }] } });
    assert.equal(taken.ok, false, JSON.stringify(taken));
    assert.match(JSON.stringify(taken), /cannot be read/);
  });

  it('applying the custom role again replaces its record, and its binding grants again', async () => {
    assert.ok(server !== undefined, String(started));
    const file = join(server.dataDir, 'pi1-role.yaml');
    await writeFile(file, ROLE_DOC);
    const applied = await cliAgainst(server, ['apply', '-f', file]);
    assert.equal(applied.status, 0, applied.err);
    assert.equal(await aliceOn(server, 'pi1-c'), 'Allow');
  });
});
