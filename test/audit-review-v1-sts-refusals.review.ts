/**
 * Review V, V1: STS refusals that left no audit record. AssumeRole recorded only refusals by a policy and 503s, so
 * these were answered to the caller and recorded nowhere:
 * - LimitExceeded: the account already holds its bound of live scoped sessions;
 * - PackedPolicyTooLarge: session tags (or a session policy) over the packed size;
 * - InvalidParameterValue (InvalidInput before review ah): a session trying to override a transitive tag of its own session;
 * - ValidationError raised after the role's trust policy allowed the call (DurationSeconds over the role's
 *   MaxSessionDuration, a PolicyArns entry not in the role's account);
 * - a job's session refused because its role no longer trusts the training service (only the job's own events said
 *   so), recorded once a minute per job, role and code, with the count left out since.
 * Now each is a `session` record, decision `Deny`, with the caller, the role, the error and its code. A request
 * malformed before authorization (a RoleArn that is no ARN) is still not recorded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const WORKER = `arn:aws:iam::${ROOT}:role/worker`;
const TRAINER = `arn:aws:iam::${ROOT}:role/trainer`;
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review V1: every refused STS session is recorded', () => {
  let s: TestServer;
  let alice: Credentials;

  const since = async (after: number): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${after}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['records'] as AuditRecord[];
  };
  const headSeq = async (): Promise<number> => {
    await s.running.app.audit.flush();
    return (await s.running.app.deps.store.read((tx) => tx.audit.head())).seq;
  };
  const refusals = (records: AuditRecord[]) => records.filter((r) => r.kind === 'session' && r.decision === 'Deny');

  before(async () => {
    s = await startTestServer({ maxScopedSessions: 1 });
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('User', 'alice', { inlinePolicies: { assume: inline({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession', 'training:*'], Resource: '*' }, { Effect: 'Allow', Action: 'iam:PassRole', Resource: TRAINER }) } }),
        doc('Role', 'worker', {
          trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }),
          inlinePolicies: { all: inline({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) },
        }),
        doc('Role', 'trainer', { trustPolicy: inline({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }),
        doc('Workspace', 'vision', { members: [{ user: 'alice' }] }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: 'alice' });
    assert.equal(k.status, 201, JSON.stringify(k.json));
    alice = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
    await s.running.app.refresh();
  });
  after(async () => {
    await s.stop();
  });

  it('PackedPolicyTooLarge, LimitExceeded, InvalidParameterValue and ValidationError after the trust check are recorded; a malformed RoleArn is not', async () => {
    const sts = s.sts(alice);
    const mark = await headSeq();
    const tags = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v'.repeat(250) }));
    const big = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: 'big', Tags: tags })));
    assert.equal(big.code, 'PackedPolicyTooLarge');
    // The account's one scoped session, then a second one over the bound.
    const first = await sts.send(new AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: 'tagged', Tags: [{ Key: 'team', Value: 'ml' }], TransitiveTagKeys: ['team'] }));
    const over = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: 'second', Tags: [{ Key: 'team', Value: 'ml' }] })));
    assert.equal(over.code, 'LimitExceeded');
    // The tagged session tries to override its transitive tag.
    const c = first.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    const chained = s.sts({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
    const override = await sdkFailure(chained.send(new AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: 'override', Tags: [{ Key: 'team', Value: 'admins' }] })));
    assert.equal(override.code, 'InvalidParameterValue');
    const long = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: 'long', DurationSeconds: 43200 })));
    assert.equal(long.code, 'ValidationError');
    const malformed = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: 'not-an-arn', RoleSessionName: 'malformed' })));
    assert.equal(malformed.code, 'ValidationError');

    const records = refusals(await since(mark));
    const byName = new Map(records.map((r) => [r.detail['sessionName'], r]));
    assert.deepEqual([...byName.keys()].sort(), ['big', 'long', 'override', 'second'], JSON.stringify(records));
    const expect: Record<string, string> = { big: 'PACKED_POLICY_TOO_LARGE', second: 'LIMIT_EXCEEDED', override: 'INVALID_PARAMETER_VALUE', long: 'VALIDATION_ERROR' };
    for (const [name, code] of Object.entries(expect)) {
      const r = byName.get(name) as AuditRecord;
      assert.equal(r.action, 'sts:AssumeRole');
      assert.equal(r.role, WORKER);
      assert.equal(r.resource, WORKER);
      assert.equal(r.detail['code'], code, name);
      assert.equal(typeof r.detail['error'], 'string');
      assert.equal(r.sourceIp, '127.0.0.1');
      assert.equal(r.principal, name === 'override' ? `arn:aws:sts::${ROOT}:assumed-role/worker/tagged` : ALICE, name);
    }
    assert.deepEqual(byName.get('second')?.detail['tagKeys'], ['team']);
    // Never a secret: the session's own secret or token.
    const text = JSON.stringify(records);
    assert.ok(!text.includes(c.SecretAccessKey) && !text.includes(c.SessionToken));
  });

  it("a job's session refused because its role no longer trusts the training service is recorded, once a minute", async () => {
    const sub = await gatehouseJson(s.url, alice, 'POST', '/v1/jobs', { workspace: 'vision', role: TRAINER, imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const job = String((sub.json['job'] as { id: string }).id);
    const env = sub.json['environment'] as Record<string, string>;
    const iam = s.iam();
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'trainer', PolicyDocument: JSON.stringify(inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' })) }));
    await s.running.app.refresh();
    const mark = await headSeq();
    for (let i = 0; i < 3; i++) {
      const r = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] as string, { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] as string } });
      assert.ok(r.status >= 400, `fetch ${i}: ${r.status}`);
      await r.body?.cancel();
    }
    const records = refusals(await since(mark)).filter((r) => r.job === job);
    assert.equal(records.length, 1, JSON.stringify(records));
    const r = records[0] as AuditRecord;
    assert.equal(r.principal, 'training.gatehouse.dev');
    assert.equal(r.role, TRAINER);
    assert.equal(r.detail['code'], 'ACCESS_DENIED');
    assert.match(String(r.detail['error']), /does not allow the service/);
  });
});
