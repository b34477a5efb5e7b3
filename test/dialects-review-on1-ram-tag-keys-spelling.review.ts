/**
 * Dialects review on, finding 1: `acs:TagKeys`, RAM's spelling of the list of tag keys a request sets, was not read for
 * the spellings a policy compares it with. Tag keys are case-insensitive (a request's `CLEARANCE` sets the tag
 * `acs:PrincipalTag/clearance` reads), while the key list is compared with the policy's operator, so the request's keys
 * are also given in each spelling the caller's policies use (review X, X1; src/app/principals.ts `tagKeyLiterals`,
 * docs/decisions.md). Only conditions on `aws:TagKeys` were collected: in an `acs` account, the RAM guard
 * `Deny … ForAnyValue:StringEquals acs:TagKeys [clearance]` (reference §A.2: the same condition structure, `acs:` keys
 * read as their `aws:` counterparts, docs/semantics.md "Conditions") did not hold against `CLEARANCE`, which the same
 * guard spelt `aws:TagKeys` refuses. Now both spellings of the key are read.
 * Real server (SQLite), an `acs` account, the IAM Query API through `@aws-sdk/client-iam`.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { accountAdmin, iamUserWith, outcomeName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '123456789012';
const v1 = (...Statement: object[]) => ({ Version: '1', Statement });
const ALLOW_ALL = { Effect: 'Allow', Action: '*', Resource: '*' };
const guard = (key: string) => ({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { [key]: ['clearance'] } } });

let s: TestServer;
let admin: I.IAMClient;

before(async () => {
  s = await startTestServer();
  admin = s.iam(await accountAdmin(s, ACS, 'acs'));
});

after(async () => {
  await s?.stop();
});

/** Whether a tagger under `guard(key)` may set each spelling of `clearance` on a user that holds no such tag. */
async function outcomes(key: string, tagger: string, target: string): Promise<string[]> {
  const who: Credentials = await iamUserWith(admin, tagger, v1(ALLOW_ALL, guard(key)));
  await admin.send(new I.CreateUserCommand({ UserName: target }));
  const t = s.iam(who);
  const out: string[] = [];
  for (const k of ['clearance', 'CLEARANCE', 'Clearance']) out.push(await outcomeName(t.send(new I.TagUserCommand({ UserName: target, Tags: [{ Key: k, Value: 'top' }] }))));
  return out;
}

describe('the tag-key guard holds against every spelling in an acs account', () => {
  it('spelt `aws:TagKeys` (as before)', async () => {
    assert.deepEqual(await outcomes('aws:TagKeys', 'aws-tagger', 'aws-target'), ['AccessDenied', 'AccessDenied', 'AccessDenied']);
  });

  it('spelt `acs:TagKeys`, RAM’s name', async () => {
    assert.deepEqual(await outcomes('acs:TagKeys', 'acs-tagger', 'acs-target'), ['AccessDenied', 'AccessDenied', 'AccessDenied']);
    assert.deepEqual((await admin.send(new I.ListUserTagsCommand({ UserName: 'acs-target' }))).Tags, []);
  });
});
