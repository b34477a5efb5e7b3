import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namedEntity } from './compile.ts';
import { replacePrincipals } from './rewrite.ts';

const ID = 'AIDAFVNUVMZ2KGDALSIMH';
const frank = (v: string): string | undefined => {
  const e = namedEntity(v);
  return e?.kind === 'user' && e.account === '000000000000' && e.name === 'frank' ? ID : undefined;
};

test('a principal naming the user becomes its id; everything else stays byte for byte', () => {
  const text = `{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Principal": {"AWS" :  "arn:aws:iam::000000000000:user/frank"}, "Action": "sts:AssumeRole",
      "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::000000000000:user/frank"}} },
    { "Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::000000000000:user/bob", "arn:aws:iam::000000000000:user/team/frank"]}, "Action": "sts:TagSession" }
  ]
}`;
  const out = replacePrincipals(text, frank);
  assert.equal(
    out,
    text
      .replace('"AWS" :  "arn:aws:iam::000000000000:user/frank"', `"AWS" :  "${ID}"`)
      .replace('"arn:aws:iam::000000000000:user/team/frank"]', `"${ID}"]`),
  );
});

test('a single statement object, the RAM key and escaped characters', () => {
  const text = '{"Version":"1","Statement":{"Effect":"Allow","Principal":{"RAM":["acs:ram::000000000000:user\\/frank"]},"Action":"sts:AssumeRole"}}';
  assert.equal(replacePrincipals(text, frank), `{"Version":"1","Statement":{"Effect":"Allow","Principal":{"RAM":["${ID}"]},"Action":"sts:AssumeRole"}}`);
});

test('nothing to replace: undefined (another account, a session, a role of that name, Service, `*`)', () => {
  for (const p of ['"arn:aws:iam::111122223333:user/frank"', '"arn:aws:sts::000000000000:assumed-role/frank/s"', '"arn:aws:iam::000000000000:role/frank"', '"*"', '"000000000000"']) {
    assert.equal(replacePrincipals(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":${p}},"Action":"s3:*"}]}`, frank), undefined, p);
  }
  assert.equal(replacePrincipals('{"Statement":[{"Effect":"Allow","Principal":{"Service":"arn:aws:iam::000000000000:user/frank"},"Action":"s3:*"}]}', frank), undefined);
  assert.equal(replacePrincipals('{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*"}]}', frank), undefined);
  assert.equal(replacePrincipals('not json', frank), undefined);
});

test('namedEntity: users and roles by account and name, whatever the path; nothing else', () => {
  assert.deepEqual(namedEntity('arn:aws:iam::000000000000:role/a/b/trainer'), { kind: 'role', account: '000000000000', name: 'trainer' });
  assert.deepEqual(namedEntity('acs:ram::1234567890123456:role/trainer'), { kind: 'role', account: '1234567890123456', name: 'trainer' });
  assert.deepEqual(namedEntity('acs:ram::1234567890123456:user/ann'), { kind: 'user', account: '1234567890123456', name: 'ann' });
  for (const v of ['acs:ram::1234567890123456:role/trainer/session', 'arn:aws:iam::000000000000:root', 'arn:aws:sts::000000000000:federated-user/x', ID]) assert.equal(namedEntity(v), undefined, v);
});
