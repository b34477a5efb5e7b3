/**
 * Review vt, 3: a malformed policy variable in a written `2012-10-17` policy was taken as literal text. `${…}` that the
 * engine does not read as a variable (src/core/iam/variables.ts) — a default value without its quotes
 * (`${aws:PrincipalTag/team, none}`), a space in the key before its tag part (`${aws:user name}`), an empty `${}`, or a
 * `${` never closed — stayed in the pattern as the characters written, so a `Resource` with it matched no request and a
 * condition value compared against that text: a `Deny` meant for each user's other folders denied nothing, and an
 * `Allow` granted nothing, with no word said. IAM Access Analyzer reports each as an error ("Missing quote in
 * variable", "Unsupported space in variable", "Empty variable", "Missing brace in variable"), and Gatehouse already
 * refuses a variable placed where it would be literal text (before the ARN's resource part). Now a written document with
 * one is refused at the element's JSON path, naming the variable and saying how to write it (`${$}` for a literal `$`);
 * well-formed variables, escapes and defaults are taken as before, `${…}` under RAM's `Version: "1"` (where it is always
 * literal) is untouched, and a document stored before is read as before.
 *
 * Before the fix 3 of the 5 tests failed (the well-formed, the RAM and the stored-document ones passed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { compilePolicy, evaluate, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const statement = (x: object) => ({ Effect: 'Deny', Action: 's3:GetObject', ...('NotResource' in x ? {} : { Resource: 'arn:aws:s3:::home/*' }), ...x });
const aws = (x: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement(x)] });

const refused = (text: string, path: string, code: string) => {
  const r = parsePolicy(text, { kind: 'identity', written: true });
  assert.ok(!r.ok, `refused: ${text}`);
  const e = r.errors.find((x) => x.path === path);
  assert.ok(e, JSON.stringify(r.errors));
  assert.equal(e.code, code);
  return e.message;
};

let s: TestServer;
let iam: I.IAMClient;
before(async () => {
  s = await startTestServer();
  iam = s.iam();
});
after(() => s?.stop());

describe('review vt, 3: a malformed policy variable is refused when written', () => {
  test('in a Resource: an unquoted default, a space in the key, an empty variable, an unclosed one', () => {
    let m = refused(aws({ NotResource: "arn:aws:s3:::home/${aws:PrincipalTag/team, none}/*" }), 'Statement[0].NotResource', 'POLICY_INVALID_RESOURCE');
    assert.ok(m.includes('`${aws:PrincipalTag/team, none}`'), m);
    assert.ok(m.includes("`${aws:PrincipalTag/team, 'none'}`"), m);
    m = refused(aws({ Resource: ['arn:aws:s3:::home/x', 'arn:aws:s3:::home/${aws:user name}/*'] }), 'Statement[0].Resource[1]', 'POLICY_INVALID_RESOURCE');
    assert.ok(m.includes('`${aws:user name}`') && m.includes('`${$}`'), m);
    m = refused(aws({ Resource: 'arn:aws:s3:::home/${}/*' }), 'Statement[0].Resource', 'POLICY_INVALID_RESOURCE');
    assert.ok(m.includes('`${}`'), m);
    m = refused(aws({ Resource: 'arn:aws:s3:::home/${aws:username/*' }), 'Statement[0].Resource', 'POLICY_INVALID_RESOURCE');
    assert.ok(m.includes('`}`'), m);
  });

  test('in a String or Arn condition value', () => {
    const m = refused(aws({ Condition: { StringNotLike: { 's3:prefix': ["${aws:username}/*", "home/${aws:PrincipalTag/team, none}/*"] } } }), 'Statement[0].Condition.StringNotLike.s3:prefix[1]', 'POLICY_INVALID_CONDITION_VALUE');
    assert.ok(m.includes("`${aws:PrincipalTag/team, 'none'}`"), m);
    refused(aws({ Condition: { ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:user/\${aws:username` } } }), 'Statement[0].Condition.ArnNotEquals.aws:PrincipalArn', 'POLICY_INVALID_CONDITION_VALUE');
  });

  test('PutUserPolicy answers MalformedPolicyDocument naming the path', async () => {
    await iam.send(new I.CreateUserCommand({ UserName: 'vt3' }));
    const f = await sdkFailure(iam.send(new I.PutUserPolicyCommand({ UserName: 'vt3', PolicyName: 'p', PolicyDocument: aws({ Resource: "arn:aws:s3:::home/${aws:PrincipalTag/team, none}/*" }) })));
    assert.equal(f.code, 'MalformedPolicyDocument', f.message);
    assert.match(f.message, /Statement\[0\]\.Resource/, f.message);
  });

  test('well-formed variables, escapes and quoted defaults are taken; RAM`s literal `${…}` is untouched', () => {
    for (const r of ["arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/${ aws:PrincipalTag/Cost Center , 'x y' }/*", 'arn:aws:s3:::home/${*}${?}${$}{a}', "arn:aws:s3:::home/${aws:PrincipalTag/team, ''}"]) {
      const p = parsePolicy(aws({ Resource: r }), { kind: 'identity', written: true });
      assert.ok(p.ok, `${r}: ${JSON.stringify(p.ok ? '' : p.errors)}`);
    }
    const ram = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:b/${x y}/${unclosed', Condition: { StringLike: { 'acs:UserAgent': '${a, b}' } } }] });
    assert.ok(parsePolicy(ram, { kind: 'identity', written: true }).ok);
    // Under 2008-10-17 a variable is literal text, as documented.
    assert.ok(parsePolicy(JSON.stringify({ Version: '2008-10-17', Statement: [statement({ Resource: 'arn:aws:s3:::home/${x y}' })] }), { kind: 'identity', written: true }).ok);
  });

  test('a document stored before the rule still parses, the malformed variable read as literal text', () => {
    const stored = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:user name}' }] }), { kind: 'identity' });
    assert.ok(stored.ok, JSON.stringify(stored.ok ? '' : stored.errors));
    const who = principalFromArn(`arn:aws:iam::${ACCT}:user/alice`);
    assert.ok(who.ok);
    const ask = (resource: string) => evaluate({ principal: who.value, action: 's3:GetObject', resource }, { identity: [compilePolicy(stored.value, 'p')] }).decision;
    assert.equal(ask('arn:aws:s3:::home/${aws:user name}'), 'Allow');
    assert.equal(ask('arn:aws:s3:::home/alice'), 'ImplicitDeny');
  });
});
