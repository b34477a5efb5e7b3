/**
 * Review aa4: since managed policies carry tags (be8b128) the IAM Query API decides GetPolicy, TagPolicy, UntagPolicy,
 * DeletePolicy, CreatePolicyVersion… with the policy's tags as aws:ResourceTag / iam:ResourceTag (cf255da), but the
 * authorize API (and simulate, who-can, which ask it) still decides the same question without them: the directory's
 * facts (review I, I2) are read for users and roles only. So a guardrail "Deny iam:DeletePolicy on policies tagged
 * protected=true" is answered Allow by POST /v1/authorize for a protected policy the Query API refuses to delete, and
 * an ABAC grant on policies tagged team=ml is answered ImplicitDeny where the Query API allows; an asker can also write
 * the tags into `context` and be told Allow for a policy the Query API refuses. Real server (SQLite), SDK v3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const POLICY = (n: string) => `arn:aws:iam::${ROOT}:policy/${n}`;

describe('review aa4: authorize decides a managed policy\'s actions with its tags, as the IAM API does', () => {
  let s: TestServer;
  let alice: Credentials;
  const ask = async (body: object) => {
    const r = await gatehouseJson(s.url, alice, 'POST', '/v1/authorize', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as { decision: string; diagnostics: string[] };
  };

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const body = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'guarded', PolicyDocument: body, Tags: [{ Key: 'protected', Value: 'true' }] }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'ml-read', PolicyDocument: body, Tags: [{ Key: 'team', Value: 'ml' }] }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'ops-read', PolicyDocument: body, Tags: [{ Key: 'team', Value: 'ops' }] }));
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'p',
      PolicyDocument: doc(
        { Effect: 'Allow', Action: 'iam:DeletePolicy', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:DeletePolicy', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } },
        { Effect: 'Allow', Action: 'iam:ListPolicyVersions', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } },
        { Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' },
      ),
    }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  });
  after(() => s?.stop());

  it('a protected policy: the Query API refuses DeletePolicy, authorize answers ExplicitDeny', async () => {
    assert.equal((await sdkFailure(s.iam(alice).send(new I.DeletePolicyCommand({ PolicyArn: POLICY('guarded') })))).code, 'AccessDenied');
    const a = await ask({ action: 'iam:DeletePolicy', resource: POLICY('guarded') });
    // Before: Allow (the policy's tags were not read).
    assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
  });

  it('an ABAC grant on the policy\'s tags: Allow where the Query API allows, ImplicitDeny where it refuses, whatever the context claims', async () => {
    const versions = await s.iam(alice).send(new I.ListPolicyVersionsCommand({ PolicyArn: POLICY('ml-read') }));
    assert.equal(versions.Versions?.length, 1);
    assert.equal((await sdkFailure(s.iam(alice).send(new I.ListPolicyVersionsCommand({ PolicyArn: POLICY('ops-read') })))).code, 'AccessDenied');
    const claimed = await ask({ action: 'iam:ListPolicyVersions', resource: POLICY('ops-read'), context: { 'aws:ResourceTag/team': 'ml' } });
    assert.equal(claimed.decision, 'ImplicitDeny', `the context's claim was believed: ${JSON.stringify(claimed)}`);
    const ml = await ask({ action: 'iam:ListPolicyVersions', resource: POLICY('ml-read') });
    assert.equal(ml.decision, 'Allow', JSON.stringify(ml));
  });
});
