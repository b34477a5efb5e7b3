/**
 * Review fi, 4: a refused GetFederationToken was not recorded as a refused session. README §7: `session` records are
 * every session issued or refused (`Deny`: the explanation, and what was asked), and review V1 made AssumeRole record
 * each refusal so, also those past authorization. GetFederationToken (review fb, 1) left its refusals to the HTTP edge,
 * which records a refused request as a `decision` record without the name, duration or tag keys asked, and one past
 * authorization not at all: `audit query --kind session --decision Deny` did not list a user refused a federation
 * token, nor the one who asked with a PolicyArns entry of another account (ValidationError, after the policy allowed
 * it), which left no record. Now each is a `session` record, `Deny`, with the explanation, the code when not
 * AccessDenied, and what was asked; recorded once (the edge adds no `decision` record of its own); a malformed request
 * refused before authorization is still not recorded. Real server (SQLite), the AWS SDK's STS client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetFederationTokenCommand } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const fed = (name: string) => `arn:aws:sts::${ROOT}:federated-user/${name}`;

describe('review fi4: refused federation tokens are refused sessions in the audit log', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  let from = 0;

  before(async () => {
    s = await startTestServer();
    const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }] };
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('User', 'bob', {}), doc('User', 'carol', { inlinePolicies: { fed: allow } })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    for (const u of ['bob', 'carol']) {
      const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: u });
      assert.equal(k.status, 201, JSON.stringify(k.json));
      keys[u] = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
    }
    await s.running.app.refresh();
    await s.running.app.audit.flush();
    from = ((await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify')).json['head'] as { seq: number }).seq;
  });
  after(async () => {
    await s.stop();
  });

  const refused = async (who: string, input: ConstructorParameters<typeof GetFederationTokenCommand>[0], code: string): Promise<void> => {
    await assert.rejects(s.sts(keys[who] as Credentials).send(new GetFederationTokenCommand(input)), (e: Error) => e.name === code);
  };

  it('refused by a policy, past authorization, and with session credentials: each one session record, Deny', async () => {
    await refused('bob', { Name: 'fi4-bob', DurationSeconds: 1800 }, 'AccessDenied');
    await refused('carol', { Name: 'fi4-tags', Tags: [{ Key: 'team', Value: 'x' }] }, 'AccessDenied');
    await refused('carol', { Name: 'fi4-arns', PolicyArns: [{ arn: `arn:aws:iam::${ROOT}:policy/none-such` }] }, 'ValidationError');
    // Malformed, refused before authorization: not recorded.
    await refused('carol', { Name: 'x' }, 'ValidationError');
    const issued = await s.sts(keys['carol'] as Credentials).send(new GetFederationTokenCommand({ Name: 'fi4-ok' }));
    const c = issued.Credentials;
    const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    await assert.rejects(s.sts(session).send(new GetFederationTokenCommand({ Name: 'fi4-again' })), (e: Error) => e.name === 'AccessDenied');
    await s.running.app.audit.flush();

    const q = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${from}&kind=session&decision=Deny`);
    assert.equal(q.status, 200, JSON.stringify(q.json));
    const records = q.json['records'] as AuditRecord[];
    const by = (name: string) => records.filter((r) => r.resource === fed(name));
    const bob = by('fi4-bob');
    assert.equal(bob.length, 1, JSON.stringify(records));
    assert.equal(bob[0]?.principal, `arn:aws:iam::${ROOT}:user/bob`);
    assert.equal(bob[0]?.action, 'sts:GetFederationToken');
    assert.match(String(bob[0]?.detail['error']), /not authorized to perform: sts:GetFederationToken/);
    assert.equal(bob[0]?.detail['durationSeconds'], 1800);
    assert.deepEqual(by('fi4-tags')[0]?.detail['tagKeys'], ['team']);
    const arns = by('fi4-arns')[0];
    assert.equal(arns?.detail['code'], 'VALIDATION_ERROR', JSON.stringify(records));
    assert.deepEqual(arns?.detail['policyArns'], [`arn:aws:iam::${ROOT}:policy/none-such`]);
    assert.equal(by('fi4-again')[0]?.principal, fed('fi4-ok'));
    assert.equal(records.some((r) => r.resource === fed('x')), false);

    // Once each: no decision record of the edge beside them.
    const decisions = (await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${from}&kind=decision`)).json['records'] as AuditRecord[];
    assert.deepEqual(decisions, [], JSON.stringify(decisions));
  });
});
