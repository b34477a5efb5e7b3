/**
 * Review J, finding j1: DeletePolicy (IAM Query API) deleted a managed policy that still had versions besides its
 * default, with those versions, where IAM refuses with 409 DeleteConflict ("This policy has more than one version.
 * Before you delete a policy, you must delete the policy's versions. The default version is deleted with the
 * policy."). Now the IAM API refuses so and changes nothing; deleting the non-default versions first (ListPolicyVersions,
 * DeletePolicyVersion each, DeletePolicy: the order of Terraform's AWS provider) works; a policy still attached is
 * refused (DeleteConflict) as before. Gatehouse's own doors keep deleting the versions with the policy, as an
 * administrator's convenience (the admin API has no call for versions): `DELETE /v1/policies/…` (`gatehouse iam
 * policies delete`), decided as DeletePolicyVersion too when there are versions to delete, as `gatehouse apply --prune`
 * decides its step. SDK v3, the Debian aws CLI and the gatehouse CLI against a real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { auditRecords, cliAgainst, REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { awsCliEnv, awsCliMissing, keysOf, run } from './support/processes.ts';

const ROOT = '000000000000';
const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const arnOf = (name: string) => `arn:aws:iam::${ROOT}:policy/${name}`;
const VERSIONS_CONFLICT = "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.";

let server: TestServer;
let iam: I.IAMClient;
let home: string;

/** A policy with versions v1, v2 (default) and v3. */
async function versioned(name: string): Promise<string> {
  const arn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: doc('s3:GetObject') }))).Policy!.Arn!;
  await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:PutObject'), SetAsDefault: true }));
  await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:ListBucket') }));
  return arn;
}
const versionsOf = async (arn: string) => ((await iam.send(new I.ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? []).map((v) => v.VersionId).sort();

before(async () => {
  server = await startTestServer();
  // The SDK's own retries (3 tries), as its users run it: between calls this file waits seconds on the aws CLI, and a
  // kept-alive socket the server closes at its 5 s keep-alive bound just as the next call goes out is reset
  // (ECONNRESET), which the SDK sends again; with the suite's one try (test/support/server.ts) a CI run failed on it.
  iam = new I.IAMClient({ endpoint: server.url, region: REGION, credentials: server.admin });
  home = await mkdtemp(join(tmpdir(), 'gh-review-j1-'));
});
after(async () => {
  iam?.destroy();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('review J, j1: DeletePolicy with non-default versions', () => {
  test('the IAM API refuses it with DeleteConflict (409) and changes nothing; it is recorded as refused', async () => {
    const arn = await versioned('kept-versions');
    const f = await sdkFailure(iam.send(new I.DeletePolicyCommand({ PolicyArn: arn })));
    assert.equal(f.code, 'DeleteConflict');
    assert.equal(f.status, 409);
    assert.equal(f.message, VERSIONS_CONFLICT);
    assert.deepEqual(await versionsOf(arn), ['v1', 'v2', 'v3']);
    assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId, 'v2');
    const recorded = await auditRecords(server, { action: 'iam:DeletePolicy' });
    assert.ok(
      recorded.some((r) => r.resource === arn && r.decision === 'DELETE_CONFLICT'),
      JSON.stringify(recorded.map((r) => [r.resource, r.decision])),
    );
  });

  test("Terraform's order works: the non-default versions deleted, then DeletePolicy", async () => {
    const arn = await versioned('tf-order');
    for (const v of (await iam.send(new I.ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? []) {
      if (!v.IsDefaultVersion) await iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v.VersionId }));
    }
    await iam.send(new I.DeletePolicyCommand({ PolicyArn: arn }));
    assert.equal((await sdkFailure(iam.send(new I.GetPolicyCommand({ PolicyArn: arn })))).code, 'NoSuchEntity');
  });

  test('a policy of one version still goes; an attached one is still refused (DeleteConflict), with or without versions', async () => {
    const one = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'single', PolicyDocument: doc('s3:GetObject') }))).Policy!.Arn!;
    await iam.send(new I.CreateUserCommand({ UserName: 'holder' }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'holder', PolicyArn: one }));
    const attached = await sdkFailure(iam.send(new I.DeletePolicyCommand({ PolicyArn: one })));
    assert.equal(attached.code, 'DeleteConflict');
    assert.equal(attached.status, 409);
    await iam.send(new I.DetachUserPolicyCommand({ UserName: 'holder', PolicyArn: one }));
    await iam.send(new I.DeletePolicyCommand({ PolicyArn: one }));
    assert.equal((await sdkFailure(iam.send(new I.GetPolicyCommand({ PolicyArn: one })))).code, 'NoSuchEntity');

    const both = await versioned('attached-versions');
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'holder', PolicyArn: both }));
    assert.equal((await sdkFailure(iam.send(new I.DeletePolicyCommand({ PolicyArn: both })))).code, 'DeleteConflict');
    assert.deepEqual(await versionsOf(both), ['v1', 'v2', 'v3']);
  });

  test('the Debian aws CLI: create-policy-version, then delete-policy is refused; delete-policy-version first, then it goes', { skip: awsCliMissing() }, async () => {
    const aws = (...args: string[]) =>
      awsCli(['--endpoint-url', server.url, '--region', REGION, '--output', 'json', 'iam', ...args], awsCliEnv(home, server.admin));
    // The policy and its versions made with the SDK (each aws CLI run costs about 2 s); the aws CLI's delete-policy
    // refused, then accepted once the non-default version is gone.
    const arn = arnOf('cli-versions');
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'cli-versions', PolicyDocument: doc('s3:GetObject') }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:PutObject'), SetAsDefault: true }));
    const refused = await aws('delete-policy', '--policy-arn', arn);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /\(DeleteConflict\) when calling the DeletePolicy operation: This policy has more than one version/);
    assert.deepEqual(await versionsOf(arn), ['v1', 'v2'], 'still there, with its versions');
    await iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    const deleted = await aws('delete-policy', '--policy-arn', arn);
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  test("the admin API (gatehouse iam policies delete) deletes the versions with the policy, decided as DeletePolicyVersion too", async () => {
    await iam.send(new I.CreateUserCommand({ UserName: 'deleter' }));
    await iam.send(
      new I.PutUserPolicyCommand({
        UserName: 'deleter',
        PolicyName: 'delete-only',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:DeletePolicy', 'iam:GetPolicy'], Resource: '*' }] }),
      }),
    );
    const k = keysOf((await iam.send(new I.CreateAccessKeyCommand({ UserName: 'deleter' }))).AccessKey!);
    const arn = await versioned('admin-versions');
    const refused = await cliAgainst(server, ['iam', 'policies', 'delete', 'admin-versions'], k);
    assert.notEqual(refused.status, 0, refused.out);
    assert.match(refused.err, /iam:DeletePolicyVersion/);
    assert.deepEqual(await versionsOf(arn), ['v1', 'v2', 'v3']);
    // One version only: DeletePolicy is all it takes.
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'admin-single', PolicyDocument: doc('s3:GetObject') }));
    const single = await cliAgainst(server, ['iam', 'policies', 'delete', 'admin-single'], k);
    assert.equal(single.status, 0, single.err);

    const byAdmin = await cliAgainst(server, ['iam', 'policies', 'delete', 'admin-versions']);
    assert.equal(byAdmin.status, 0, byAdmin.err);
    assert.equal((await sdkFailure(iam.send(new I.GetPolicyCommand({ PolicyArn: arn })))).code, 'NoSuchEntity');
  });

  test('gatehouse apply --prune deletes a policy whose document changed (two versions)', async () => {
    const policy = (action: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Policy', metadata: { name: 'applied' }, spec: { document: JSON.parse(doc(action)) } });
    const file = join(home, 'applied.json');
    const at = { endpoint: server.url, home };
    const who = keysOf({ AccessKeyId: server.admin.accessKeyId, SecretAccessKey: server.admin.secretAccessKey });
    for (const action of ['s3:GetObject', 's3:PutObject']) {
      await writeFile(file, JSON.stringify(policy(action)));
      const r = await gatehouseCliInProcess(['apply', '-f', file], who, at);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(await versionsOf(arnOf('applied')), ['v1', 'v2']);
    await writeFile(file, JSON.stringify({ apiVersion: 'gatehouse.dev/v1', kind: 'Policy', metadata: { name: 'other' }, spec: { document: JSON.parse(doc('s3:GetObject')) } }));
    const pruned = await gatehouseCliInProcess(['apply', '-f', file, '--prune'], who, at);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /- delete Policy\/applied/);
    assert.equal((await sdkFailure(iam.send(new I.GetPolicyCommand({ PolicyArn: arnOf('applied') })))).code, 'NoSuchEntity');
  });
});
