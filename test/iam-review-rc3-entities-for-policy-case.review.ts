/**
 * Review rc, 3: review rc, 2 made the directory find a managed policy by its ARN in any case, as IAM does, but
 * ListEntitiesForPolicy still looked it up literally: asked for `arn:aws:iam::aws:policy/readonlyaccess` it answered
 * NoSuchEntity while AttachUserPolicy had attached ReadOnlyAccess by that ARN, so "who holds this policy" had no answer
 * for the spelling that attached it. Now it finds the policy as the directory does, decided on its stored ARN.
 * Real server on 127.0.0.1, through `@aws-sdk/client-iam`. Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { accountAdmin, startTestServer, type TestServer } from './support/server.ts';

describe('rc3: ListEntitiesForPolicy finds a policy named in another case', () => {
  let s: TestServer;
  let admin: I.IAMClient;
  before(async () => {
    s = await startTestServer();
    admin = s.iam(await accountAdmin(s, '210000000923', 'aws'));
  });
  after(async () => {
    admin?.destroy();
    await s?.stop();
  });

  it('lists the users holding ReadOnlyAccess, asked as …/readonlyaccess', async () => {
    await admin.send(new I.CreateUserCommand({ UserName: 'reader' }));
    await admin.send(new I.AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: 'arn:aws:iam::aws:policy/readonlyaccess' }));
    const r = await admin.send(new I.ListEntitiesForPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/readonlyaccess' }));
    assert.deepEqual(r.PolicyUsers?.map((u) => u.UserName), ['reader']);
  });
});
