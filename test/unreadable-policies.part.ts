/**
 * A stored policy that no longer parses fails closed (review N, N3): a parser tightened by an upgrade, or a database
 * restored or edited by hand, must not silently drop a Deny. A decision that such a policy governs (a resource policy
 * on the resource or above it; a managed, inline or group policy of the principal) is denied, with a diagnostic
 * naming the policy, and the server logs the policy once when it loads it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { DatabaseSync } from 'node:sqlite';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { resourcePolicyKey } from '../src/app/resource-policies.ts';

const ACCOUNT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const thing = (name: string) => `arn:aws:svc:us-east-1:${ACCOUNT}:thing/${name}`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
/** `svc Read` is not an action: the document no longer parses. */
const broken = (text: string) => text.replaceAll('svc:Read', 'svc Read');

let server: TestServer;

async function ask(url: string, principal: string, action: string, resource: string): Promise<{ decision: string; diagnostics: string[]; matched: unknown[] }> {
  const r = await gatehouseJson(url, server.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return { decision: r.json['decision'] as string, diagnostics: r.json['diagnostics'] as string[], matched: r.json['matched'] as unknown[] };
}

before(async () => {
  server = await startTestServer({ keepDir: true });
  const iam = server.iam();
  // alice may do anything to svc; bob too, but his own inline policy denies writes; carol's group denies deletes;
  // dave holds a managed policy that denies writes.
  for (const name of ['alice', 'bob', 'carol', 'dave']) {
    await iam.send(new I.CreateUserCommand({ UserName: name }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'all-svc', PolicyDocument: doc({ Effect: 'Allow', Action: 'svc:*', Resource: '*' }) }));
  }
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'no-writes', PolicyDocument: doc({ Sid: 'NoWrites', Effect: 'Deny', Action: 'svc:Write', Resource: '*' }, { Effect: 'Allow', Action: 'svc:Read', Resource: '*' }) }));
  await iam.send(new I.CreateGroupCommand({ GroupName: 'careful' }));
  await iam.send(new I.AddUserToGroupCommand({ GroupName: 'careful', UserName: 'carol' }));
  await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'careful', PolicyName: 'no-deletes', PolicyDocument: doc({ Effect: 'Deny', Action: 'svc:Delete', Resource: '*' }, { Effect: 'Allow', Action: 'svc:Read', Resource: '*' }) }));
  const p = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'dave-no-writes', PolicyDocument: doc({ Effect: 'Deny', Action: 'svc:Write', Resource: '*' }, { Effect: 'Allow', Action: 'svc:Read', Resource: '*' }) }));
  await iam.send(new I.AttachUserPolicyCommand({ UserName: 'dave', PolicyArn: p.Policy?.Arn ?? '' }));
  const put = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(thing('tamper'))}`, {
    document: JSON.parse(doc({ Sid: 'NoWrites', Effect: 'Deny', Principal: '*', Action: 'svc:Write', Resource: '*' }, { Sid: 'Other', Effect: 'Allow', Principal: { AWS: userArn('bob') }, Action: 'svc:Read', Resource: '*' })),
  });
  assert.equal(put.status, 200, JSON.stringify(put.json));
});
after(async () => {
  await server.stop();
  const { rm } = await import('node:fs/promises');
  await rm(server.dataDir, { recursive: true, force: true });
});

describe('a stored policy that no longer parses fails closed', () => {
  it('a resource policy: every request on its resource and under it is denied, naming it; others are not', async () => {
    assert.equal((await ask(server.url, userArn('alice'), 'svc:Write', thing('tamper'))).decision, 'ExplicitDeny');
    assert.equal((await ask(server.url, userArn('alice'), 'svc:Read', thing('tamper'))).decision, 'Allow');
    // As the review did: the stored document edited in place (here through the store, in process).
    const app = server.running.app;
    await app.deps.store.write(async (tx) => {
      const key = resourcePolicyKey(thing('tamper'));
      const text = await tx.kv.get(key);
      assert.ok(text !== undefined);
      await tx.kv.put(key, broken(text));
    });
    await app.refresh();
    for (const [action, resource] of [['svc:Write', thing('tamper')], ['svc:Read', thing('tamper')], ['svc:Read', `${thing('tamper')}/below`]] as const) {
      const a = await ask(server.url, userArn('alice'), action, resource);
      assert.equal(a.decision, 'ExplicitDeny', `${action} ${resource}: ${JSON.stringify(a)}`);
      assert.ok(a.diagnostics.some((d) => d.includes('cannot be read') && d.includes(thing('tamper'))), JSON.stringify(a.diagnostics));
    }
    assert.equal((await ask(server.url, userArn('alice'), 'svc:Write', thing('other'))).decision, 'Allow');
    const logged = server.logs.filter((l) => l.includes('CANNOT READ') && l.includes(thing('tamper')));
    assert.equal(logged.length, 1, server.logs.join('\n'));
    // The owner still sees it, and can replace it.
    const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/resource-policies/${encodeURIComponent(thing('tamper'))}`);
    assert.equal(got.status, 200, JSON.stringify(got.json));
    const fixed = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(thing('tamper'))}`, { document: JSON.parse(doc({ Effect: 'Deny', Principal: '*', Action: 'svc:Write', Resource: '*' })) });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.json));
    assert.equal((await ask(server.url, userArn('alice'), 'svc:Read', thing('tamper'))).decision, 'Allow');
  });

  it('a record that is not a policy at all, on an ARN of no account: it fails closed, and deleting a user, apply, and the root account\'s DELETE still work', async () => {
    const raw = 'arn:aws:svc:us-east-1::raw';
    const app = server.running.app;
    await app.deps.store.write((tx) => tx.kv.put(resourcePolicyKey(raw), 'not a record {'));
    await app.refresh();
    assert.equal((await ask(server.url, userArn('alice'), 'svc:Read', `${raw}/x`)).decision, 'ExplicitDeny');
    // Other writes that read every resource policy do not trip on it: a user deleted (its ARN is taken out of the
    // policies that name it), and apply of a resource policy elsewhere.
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'passing' }));
    await iam.send(new I.DeleteUserCommand({ UserName: 'passing' }));
    const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'ResourcePolicy', metadata: { name: 'elsewhere' }, spec: { resource: thing('elsewhere'), document: JSON.parse(doc({ Effect: 'Deny', Principal: '*', Action: 'svc:Write', Resource: '*' })) } }],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    // No account owns the resource, so the root account's operator sees it, and removes it.
    const listed = await gatehouseJson(server.url, server.admin, 'GET', '/v1/resource-policies');
    assert.ok((listed.json['resourcePolicies'] as { resource: string }[]).some((p) => p.resource === raw), JSON.stringify(listed.json));
    const url = `/v1/resource-policies/${encodeURIComponent(raw)}`;
    const got = await gatehouseJson(server.url, server.admin, 'GET', url);
    assert.equal(got.status, 200, JSON.stringify(got.json));
    assert.equal(got.json['document'], 'not a record {');
    const deleted = await gatehouseJson(server.url, server.admin, 'DELETE', url);
    assert.equal(deleted.status, 204, JSON.stringify(deleted.json));
    assert.equal((await ask(server.url, userArn('alice'), 'svc:Read', `${raw}/x`)).decision, 'Allow');
  });

  it('an inline policy of the principal: all its requests are denied, naming it', async () => {
    assert.equal((await ask(server.url, userArn('bob'), 'svc:Write', thing('x'))).decision, 'ExplicitDeny');
    const app = server.running.app;
    await app.deps.store.write(async (tx) => {
      const [u] = (await tx.inlinePolicies.list({ type: 'user', account: ACCOUNT, name: 'bob' })).filter((p) => p.name === 'no-writes');
      assert.ok(u);
      await tx.inlinePolicies.put({ type: 'user', account: ACCOUNT, name: 'bob' }, 'no-writes', broken(u.document));
    });
    await app.refresh();
    for (const action of ['svc:Write', 'svc:Read']) {
      const a = await ask(server.url, userArn('bob'), action, thing('x'));
      assert.equal(a.decision, 'ExplicitDeny', `${action}: ${JSON.stringify(a)}`);
      assert.ok(a.diagnostics.some((d) => d.includes('cannot be read') && d.includes('user/bob/no-writes')), JSON.stringify(a.diagnostics));
    }
    assert.equal((await ask(server.url, userArn('alice'), 'svc:Write', thing('x'))).decision, 'Allow');
    assert.equal(server.logs.filter((l) => l.includes('CANNOT READ') && l.includes('user/bob/no-writes')).length, 1, server.logs.join('\n'));
    // IAM's simulation answers as enforcement does: the unreadable policy denies, it is not left out.
    const sim = await server.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn('bob'), ActionNames: ['svc:Write', 'svc:Read'], ResourceArns: [thing('x')] }));
    assert.deepEqual(
      (sim.EvaluationResults ?? []).map((r) => [r.EvalActionName, r.EvalDecision, r.MatchedStatements?.map((m) => m.SourcePolicyId)]),
      [
        ['svc:Write', 'explicitDeny', ['no-writes']],
        ['svc:Read', 'explicitDeny', ['no-writes']],
      ],
    );
  });

  it('a managed and a group policy edited in the database: denied after a restart, logged once at load', async () => {
    await server.stopServer();
    const db = new DatabaseSync(join(server.dataDir, 'gatehouse.db'));
    const edited = db.prepare("UPDATE policy_versions SET document = replace(document, 'svc:Read', 'svc Read') WHERE document LIKE '%svc:Read%'").run().changes;
    const group = db.prepare("UPDATE inline_policies SET document = replace(document, 'svc:Read', 'svc Read') WHERE name = 'no-deletes'").run().changes;
    db.close();
    assert.equal(edited, 1);
    assert.equal(group, 1);
    const logs: string[] = [];
    const again: RunningServer = await startServer({ dataDir: server.dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: (l) => void logs.push(l) });
    try {
      const dave = await ask(again.url, userArn('dave'), 'svc:Write', thing('x'));
      assert.equal(dave.decision, 'ExplicitDeny', JSON.stringify(dave));
      assert.ok(dave.diagnostics.some((d) => d.includes(`arn:aws:iam::${ACCOUNT}:policy/dave-no-writes`)), JSON.stringify(dave.diagnostics));
      assert.equal((await ask(again.url, userArn('dave'), 'svc:Read', thing('x'))).decision, 'ExplicitDeny');
      const carol = await ask(again.url, userArn('carol'), 'svc:Delete', thing('x'));
      assert.equal(carol.decision, 'ExplicitDeny', JSON.stringify(carol));
      assert.equal((await ask(again.url, userArn('carol'), 'svc:Read', thing('x'))).decision, 'ExplicitDeny');
      assert.ok((await ask(again.url, userArn('carol'), 'svc:Read', thing('x'))).diagnostics.some((d) => d.includes('group/careful/no-deletes')));
      assert.equal((await ask(again.url, userArn('alice'), 'svc:Write', thing('x'))).decision, 'Allow');
      // A later write reloads what it touches, not these: still logged once each.
      const made = await gatehouseJson(again.url, server.admin, 'POST', '/v1/users', { name: 'trigger' });
      assert.ok(made.status === 200 || made.status === 201, JSON.stringify(made));
      await ask(again.url, userArn('dave'), 'svc:Write', thing('x'));
      assert.equal(logs.filter((l) => l.includes('CANNOT READ') && l.includes('policy/dave-no-writes')).length, 1, logs.join('\n'));
      assert.equal(logs.filter((l) => l.includes('CANNOT READ') && l.includes('group/careful/no-deletes')).length, 1, logs.join('\n'));
    } finally {
      await again.stop();
    }
  });
});
