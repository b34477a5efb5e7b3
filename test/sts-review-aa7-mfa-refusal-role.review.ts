/**
 * Review aa7: an AssumeRole refused for its MFA parameters (review V, P3) is recorded under the role as the caller
 * spelt it and in the caller's account only. Every other AssumeRole refusal is recorded under the role as the
 * directory names it (review V, V6) and, across accounts, in both accounts (V5); this one is refused at the HTTP edge
 * (`refuseMfa`) and recorded by `recordRefusedRequest`, which knows neither. So `aws sts assume-role --role-arn
 * …:role/WORKER --serial-number … --token-code …` on role `worker` is not found by `audit query --role …:role/worker`
 * (nor, from another account, by the role's account at all). Real server, SDK v3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { auditRecords, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const WORKER = `arn:aws:iam::${ACCT}:role/worker`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review aa7: a refused MFA AssumeRole is recorded under the directory\'s role', () => {
  let s: TestServer;
  let alice: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
  });
  after(() => s?.stop());

  it('RoleArn …:role/WORKER with an MFA code: found by audit query --role …:role/worker', async () => {
    const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/WORKER`, RoleSessionName: 'mfa', SerialNumber: `arn:aws:iam::${ACCT}:mfa/alice`, TokenCode: '123456' })));
    assert.equal(f.code, 'AccessDenied');
    const q = await auditRecords(s, { role: WORKER, action: 'sts:AssumeRole' });
    // Before: none (recorded with role …:role/WORKER).
    assert.equal(q.filter((x) => x.decision !== 'Allow').length, 1, JSON.stringify(await auditRecords(s, { action: 'sts:AssumeRole' })));
  });
});
