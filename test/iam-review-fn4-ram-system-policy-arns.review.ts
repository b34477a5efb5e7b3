/**
 * Review fn, 4: RAM's system policy `AdministratorAccess` (and `ReadOnlyAccess`) has the ARN
 * `acs:ram::system:policy/AdministratorAccess`, the one RAM's documentation, Terraform's `alicloud` provider and every
 * administrator of an Alibaba account use; Gatehouse keeps these two built-ins in their aws form only, so in an `acs`
 * account AttachUserPolicy, PutUserPermissionsBoundary and `apply` (`policies: [acs:ram::system:policy/…]`) answered
 * NoSuchEntity "does not exist or is not attachable", while the catalogue's `Aliyun…` policies were found under the same
 * `acs:ram::system:policy/` prefix.
 *
 * Now those two RAM ARNs name the built-ins they stand for: attached, detached and set as a boundary as the built-in
 * (listed under its stored ARN), and decided on as that ARN, so that a Deny on `iam:PolicyARN` guarding
 * AdministratorAccess is not stepped around by spelling it the RAM way. A real server on 127.0.0.1, SDK v3 and the CLI's
 * apply. Before the fix all 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { accountAdmin, cliAgainst, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000024';
const RAM_ADMIN = 'acs:ram::system:policy/AdministratorAccess';
const STORED_ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

let s: TestServer;
let admin: Credentials;
let dir = '';

describe('fn4: RAM system-policy ARNs of the built-ins kept in aws form', () => {
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-fn4-'));
    admin = await accountAdmin(s, ACS, 'acs');
  });

  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('AttachUserPolicy and DetachUserPolicy take acs:ram::system:policy/AdministratorAccess, and it grants', async () => {
    const iam = s.iam(admin);
    await iam.send(new I.CreateUserCommand({ UserName: 'ops' }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'ops', PolicyArn: RAM_ADMIN }));
    const listed = await iam.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'ops' }));
    assert.deepEqual(listed.AttachedPolicies?.map((p) => p.PolicyArn), [STORED_ADMIN]);
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'ops' }))).AccessKey;
    const ops = s.iam({ accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' });
    assert.ok((await ops.send(new I.ListUsersCommand({}))).Users?.some((u) => u.UserName === 'ops'));
    await iam.send(new I.DetachUserPolicyCommand({ UserName: 'ops', PolicyArn: RAM_ADMIN }));
    assert.deepEqual((await iam.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'ops' }))).AttachedPolicies, []);
    // ReadOnlyAccess as a boundary, stored as the built-in it names.
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'ops', PermissionsBoundary: 'acs:ram::system:policy/ReadOnlyAccess' }));
    assert.equal((await iam.send(new I.GetUserCommand({ UserName: 'ops' }))).User?.PermissionsBoundary?.PermissionsBoundaryArn, 'arn:aws:iam::aws:policy/ReadOnlyAccess');
  });

  it('a Deny on iam:PolicyARN guarding AdministratorAccess holds for its RAM spelling', async () => {
    const iam = s.iam(admin);
    await iam.send(new I.CreateUserCommand({ UserName: 'delegate' }));
    await iam.send(new I.CreateUserCommand({ UserName: 'target' }));
    const doc = {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'ram:AttachUserPolicy', Resource: '*' },
        { Effect: 'Deny', Action: 'ram:AttachUserPolicy', Resource: '*', Condition: { StringEquals: { 'iam:PolicyARN': STORED_ADMIN } } },
      ],
    };
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'delegate', PolicyName: 'attach-but-not-admin', PolicyDocument: JSON.stringify(doc) }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'delegate' }))).AccessKey;
    const delegate = s.iam({ accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' });
    for (const arn of [STORED_ADMIN, RAM_ADMIN]) {
      const e = await sdkFailure(delegate.send(new I.AttachUserPolicyCommand({ UserName: 'target', PolicyArn: arn })));
      assert.equal(e.code, 'AccessDenied', `${arn}: ${e.message}`);
    }
    await delegate.send(new I.AttachUserPolicyCommand({ UserName: 'target', PolicyArn: 'acs:ram::system:policy/AliyunOSSReadOnlyAccess' }));
  });

  it('apply takes the RAM ARN in a User\'s policies', async () => {
    const file = join(dir, 'ram.yaml');
    await writeFile(file, ['apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata:', '  name: applied', `  account: "${ACS}"`, 'spec:', '  policies:', `    - ${RAM_ADMIN}`, ''].join('\n'));
    const r = await cliAgainst(s, ['apply', '-f', file], admin);
    assert.equal(r.status, 0, `${r.out}\n${r.err}`);
    const listed = await s.iam(admin).send(new I.ListAttachedUserPoliciesCommand({ UserName: 'applied' }));
    assert.deepEqual(listed.AttachedPolicies?.map((p) => p.PolicyArn), [STORED_ADMIN]);
  });
});
