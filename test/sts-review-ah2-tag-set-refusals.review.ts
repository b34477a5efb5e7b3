/**
 * Review ah, finding 2: AssumeRole's session tags refused as a set answered other codes than STS.
 *
 * STS answers InvalidParameterValue (400), in these words, for a key given twice in any case ("Duplicate tag keys found.
 * Please note that Tag keys are case insensitive."), a transitive key not among the tags ("The specified transitive tag
 * key must be included in the requested tags."), and a tag overriding a transitive tag of the calling session ("One of
 * the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling
 * session."). Gatehouse answered ValidationError, ValidationError with its own words, and InvalidInput: a caller
 * catching `InvalidParameterValue` (as code written against AWS does) missed all three. A tag over its own constraints
 * (51 tags, a key of 129 characters, a value of 257) stays ValidationError, as STS's model constraints answer it, and is
 * checked first. The override is still recorded in the audit log (review V, V1).
 *
 * A real server (SQLite), the real `@aws-sdk/client-sts`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { auditRecords, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const ROLE = `arn:aws:iam::${A}:role/tagged`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('ah2: session tags refused as a set answer InvalidParameterValue, as STS', () => {
  let server: TestServer;
  let sts: S.STSClient;
  const assume = (input: Partial<S.AssumeRoleCommandInput>, client = sts) => sdkFailure(client.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ah2', ...input })));

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'tagged', PolicyName: 'chain', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }) }));
    sts = server.sts();
  });
  after(() => server?.stop());

  it('a duplicate key and a transitive key not among the tags', async () => {
    const dup = await assume({ Tags: [{ Key: 'team', Value: 'a' }, { Key: 'Team', Value: 'b' }] });
    assert.deepEqual([dup.code, dup.status], ['InvalidParameterValue', 400], dup.message);
    assert.match(dup.message, /^Duplicate tag keys found\. Please note that Tag keys are case insensitive\. \(`Team`\)$/);
    const missing = await assume({ Tags: [{ Key: 'team', Value: 'a' }], TransitiveTagKeys: ['project'] });
    assert.deepEqual([missing.code, missing.status], ['InvalidParameterValue', 400], missing.message);
    assert.match(missing.message, /^The specified transitive tag key must be included in the requested tags\. \(`project`\)$/);
    // Compared without case, as the tags are.
    assert.equal((await assume({ Tags: [{ Key: 'team', Value: 'a' }], TransitiveTagKeys: ['TEAM'] })).code, 'no error');
  });

  it('a tag over its own constraints is ValidationError, and is found before a duplicate', async () => {
    const many = await assume({ Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) });
    assert.deepEqual([many.code, many.status], ['ValidationError', 400], many.message);
    assert.match(many.message, /at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50/);
    const longKey = await assume({ Tags: [{ Key: 'team', Value: 'a' }, { Key: 'TEAM', Value: 'b' }, { Key: 'k'.repeat(129), Value: 'v' }] });
    assert.deepEqual([longKey.code, longKey.status], ['ValidationError', 400], longKey.message);
    assert.match(longKey.message, /at 'tags\.3\.member\.key' failed to satisfy constraint: Member must have length less than or equal to 128/);
    // A transitive key that is no tag key at all is refused as one, not looked for among the tags.
    const longTransitive = await assume({ Tags: [{ Key: 'team', Value: 'a' }], TransitiveTagKeys: ['t'.repeat(129)] });
    assert.deepEqual([longTransitive.code, longTransitive.status], ['ValidationError', 400], longTransitive.message);
    assert.match(longTransitive.message, /at 'transitiveTagKeys\.1\.member' failed to satisfy constraint: Member must have length less than or equal to 128/);
    const longValue = await assume({ Tags: [{ Key: 'team', Value: 'v'.repeat(257) }] });
    assert.match(longValue.message, /at 'tags\.1\.member\.value' failed to satisfy constraint: Member must have length less than or equal to 256/);
  });

  it('a tag overriding a transitive tag of the calling session, recorded', async () => {
    const first = (await sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'parent', Tags: [{ Key: 'team', Value: 'ml' }], TransitiveTagKeys: ['team'] }))).Credentials!;
    const chained = server.sts({ accessKeyId: first.AccessKeyId!, secretAccessKey: first.SecretAccessKey!, sessionToken: first.SessionToken! });
    const over = await assume({ RoleSessionName: 'override', Tags: [{ Key: 'TEAM', Value: 'admins' }] }, chained);
    assert.deepEqual([over.code, over.status], ['InvalidParameterValue', 400], over.message);
    assert.match(over.message, /^One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session\. \(`TEAM`\)$/);
    const records = (await auditRecords(server, { action: 'sts:AssumeRole' })).filter((r) => r.decision === 'Deny' && r.detail['sessionName'] === 'override');
    assert.equal(records.length, 1, JSON.stringify(records));
    assert.equal(records[0]?.detail['code'], 'INVALID_PARAMETER_VALUE');
    // The malformed sets of the first test are not recorded (refused before the trust check, as any malformed request).
    const malformed = (await auditRecords(server, { action: 'sts:AssumeRole' })).filter((r) => r.decision === 'Deny' && r.detail['sessionName'] === 'ah2');
    assert.equal(malformed.length, 0, JSON.stringify(malformed));
  });
});
