/**
 * Review D, finding 9: a store kept the built-in managed policies of the release that first started on it. At start
 * `ensureBuiltins` only inserted the built-ins it did not hold, so a built-in whose document a later release narrows
 * or fixes went on enforcing the old document in every existing deployment. Now a built-in whose default document is
 * not the catalogue's gets the catalogue's as a new default version (the oldest other version deleted first when it
 * has five). Reproduced by writing an older, wider ReadOnlyAccess into the store of a stopped server and starting a
 * new one on it: a user given ReadOnlyAccess could still CreateUser. Real SDK v3 against real servers.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { BUILTIN_POLICIES } from '../src/core/directory/catalogue.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const IAM_FULL = 'arn:aws:iam::aws:policy/IAMFullAccess';
const catalogue = (arn: string) => BUILTIN_POLICIES.find((p) => p.arn === arn)?.document;
/** What an older release's catalogue could have said: wider than today's. */
const OLDER = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'iam:CreateUser'], Resource: '*' }] });
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers.reverse()) await s.stop();
});

test('a built-in that an older release stored differently enforces the catalogue after a restart', async () => {
  const first = await startTestServer({ keepDir: true });
  servers.push(first);
  const admin = first.iam();
  await admin.send(new I.CreateUserCommand({ UserName: 'reader' }));
  await admin.send(new I.AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: READ_ONLY }));
  const k = (await admin.send(new I.CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
  // The store as an older release left it: ReadOnlyAccess with a wider default, IAMFullAccess with five versions.
  const app = await first.openApp();
  await app.deps.store.write(async (tx) => {
    const at = new Date().toISOString().slice(0, 19) + 'Z';
    assert.ok((await tx.policies.createVersion(READ_ONLY, { document: OLDER, setAsDefault: true, created: at })).ok);
    for (let i = 0; i < 4; i++) assert.ok((await tx.policies.createVersion(IAM_FULL, { document: OLDER, setAsDefault: true, created: at })).ok);
  });
  await first.stopServer();

  const second = await startTestServer({ dataDir: first.dataDir });
  servers.push(second);
  const iam = second.iam();
  const ro = (await iam.send(new I.GetPolicyCommand({ PolicyArn: READ_ONLY }))).Policy!;
  assert.equal(ro.DefaultVersionId, 'v3');
  const doc = (await iam.send(new I.GetPolicyVersionCommand({ PolicyArn: READ_ONLY, VersionId: 'v3' }))).PolicyVersion?.Document;
  assert.equal(decodeURIComponent(doc ?? ''), catalogue(READ_ONLY));
  // What the older document granted, the catalogue's does not.
  const reader = second.iam({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
  assert.equal((await sdkFailure(reader.send(new I.CreateUserCommand({ UserName: 'sneaky' })))).code, 'AccessDenied');

  const full = await iam.send(new I.ListPolicyVersionsCommand({ PolicyArn: IAM_FULL }));
  assert.deepEqual(full.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion]), [['v6', true], ['v5', false], ['v4', false], ['v3', false], ['v2', false]]);
  assert.equal(decodeURIComponent((await iam.send(new I.GetPolicyVersionCommand({ PolicyArn: IAM_FULL, VersionId: 'v6' }))).PolicyVersion?.Document ?? ''), catalogue(IAM_FULL));
  // A built-in that matches the catalogue is left as it is.
  assert.equal((await iam.send(new I.GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }))).Policy?.DefaultVersionId, 'v1');
});
