/**
 * Review D, finding 10: GetPolicyVersion, SetDefaultPolicyVersion and DeletePolicyVersion answered NoSuchEntity
 * ("… version x does not exist") for a VersionId that is no version id at all (`x`, `V1`, `v0`, `1`); IAM answers
 * ValidationError (its `policyVersionIdType`, `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`), telling a script its input is wrong
 * rather than that a version went away. A well-formed id that names nothing stays NoSuchEntity. Real SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
let server: TestServer;
let iam: I.IAMClient;
let arn: string;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  arn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: DOC }))).Policy!.Arn!;
  await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: DOC }));
});
after(async () => {
  await server?.stop();
});

test('a VersionId that is no version id is ValidationError in all three calls', async () => {
  for (const VersionId of ['x', 'V1', 'v0', '1', 'v1 ']) {
    for (const call of [
      iam.send(new I.GetPolicyVersionCommand({ PolicyArn: arn, VersionId })),
      iam.send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId })),
      iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId })),
    ]) {
      const f = await sdkFailure(call);
      assert.equal(f.code, 'ValidationError', VersionId);
      assert.match(f.message, /is not a policy version id/);
    }
  }
});

test('a well-formed id naming no version is still NoSuchEntity; real ones still work', async () => {
  assert.equal((await sdkFailure(iam.send(new I.GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v9' })))).code, 'NoSuchEntity');
  await iam.send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
  await iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
  assert.equal((await iam.send(new I.GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }))).PolicyVersion?.IsDefaultVersion, true);
});
