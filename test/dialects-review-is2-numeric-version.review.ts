/**
 * Review is, 2: RAM's policy version is the string `"1"`. Written unquoted, as YAML reads `Version: 1` (a number: the
 * natural way to write it in a `gatehouse apply` document, where `Version: 2012-10-17` stays a string) or as JSON's
 * `"Version": 1`, it was refused with "`Version` must be `2012-10-17`, `2008-10-17` (AWS) or `1` (Alibaba RAM), got `1`",
 * which names as the fix the very value given; and the rest of the document was then read as AWS's, so a RAM trust
 * policy got a second, misleading error, "unknown principal type `RAM`; allowed: AWS, Service, Federated, CanonicalUser".
 * Now the one error says the version is a string and to quote it (`Version: "1"`), and the document is otherwise read
 * as RAM's. Nothing is created either way. Through `gatehouse apply` (YAML) and the IAM API (SDK v3, JSON).
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { acsAccount } from './support/alibaba-world.ts';
import { cliAgainst, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000090';

const role = (version: string): string => `apiVersion: gatehouse.dev/v1
kind: Role
metadata:
  name: trainer
  account: "${ACS}"
spec:
  trustPolicy:
    Version: ${version}
    Statement:
      - Effect: Allow
        Action: sts:AssumeRole
        Principal:
          Service: [pai.aliyuncs.com]
          RAM: ["acs:ram::${ACS}:root"]
`;

describe('is2: a RAM policy version written as the number 1', () => {
  let s: TestServer;
  let admin: Credentials;
  let dir: string;

  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, ACS);
    dir = mkdtempSync(join(tmpdir(), 'is2-'));
  });
  after(async () => {
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('YAML `Version: 1` is one error that says to quote it, and nothing is created', async () => {
    const file = join(dir, 'role.yaml');
    writeFileSync(file, role('1'));
    const r = await cliAgainst(s, ['apply', '-f', file], admin);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.err, /spec\.trustPolicy\.Version: `Version` must be a string/, r.err);
    assert.match(r.err, /got the number `1`: put it in quotes \(in YAML, `Version: "1"`\)/, r.err);
    assert.doesNotMatch(r.err, /unknown principal type `RAM`/, r.err);
    assert.match(r.err, /1 error; nothing was changed/, r.err);
    const e = await sdkFailure(s.iam(admin).send(new I.GetRoleCommand({ RoleName: 'trainer' })));
    assert.equal(e.code, 'NoSuchEntity');
  });

  it('JSON `"Version": 1` through the IAM API says the same', async () => {
    const doc = JSON.stringify({ Version: 1, Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:data/*' }] });
    const e = await sdkFailure(s.iam(admin).send(new I.CreatePolicyCommand({ PolicyName: 'reader', PolicyDocument: doc })));
    assert.equal(e.code, 'MalformedPolicyDocument');
    assert.match(e.message, /`Version` must be a string, .*got the number `1`: put it in quotes/, e.message);
  });

  it('quoted, the same document is applied', async () => {
    const file = join(dir, 'role-quoted.yaml');
    writeFileSync(file, role('"1"'));
    const r = await cliAgainst(s, ['apply', '-f', file], admin);
    assert.equal(r.status, 0, r.err);
    const got = await s.iam(admin).send(new I.GetRoleCommand({ RoleName: 'trainer' }));
    assert.equal(got.Role?.Arn, `acs:ram::${ACS}:role/trainer`);
  });
});
