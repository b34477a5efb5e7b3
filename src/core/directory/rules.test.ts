import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arnTooLong, checkMaxSessionDuration, checkName, checkPath, checkTags, entityArn, mergeTags, uniqueId } from './rules.ts';

test('names: IAM character set and length per entity kind', () => {
  assert.equal(checkName('user', 'alice.b+c=d,e@f_g-h'), undefined);
  assert.match(checkName('user', 'a'.repeat(65)) ?? '', /longer than 64/);
  assert.equal(checkName('group', 'g'.repeat(128)), undefined);
  assert.match(checkName('role', 'has space') ?? '', /may contain only/);
  assert.match(checkName('policy', '') ?? '', /required/);
});

test('paths, session duration, tags', () => {
  assert.equal(checkPath('/'), undefined);
  assert.equal(checkPath('/team/ml/'), undefined);
  assert.ok(checkPath('team/'));
  assert.ok(checkPath('/team'));
  assert.equal(checkMaxSessionDuration(3600), undefined);
  assert.ok(checkMaxSessionDuration(3599));
  assert.ok(checkMaxSessionDuration(43201));
  assert.equal(checkTags([{ key: 'team', value: 'ml' }]), undefined);
  assert.match(checkTags([{ key: 'a', value: '1' }, { key: 'A', value: '2' }]) ?? '', /twice/);
  assert.match(checkTags([{ key: 'aws:x', value: '1' }]) ?? '', /reserved/);
  const many = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' }));
  assert.match(checkTags(many) ?? '', /at most 50/);
  assert.deepEqual(mergeTags([{ key: 'Team', value: 'a' }], [{ key: 'team', value: 'b' }]), [{ key: 'team', value: 'b' }]);
});

test('ARNs and ids', () => {
  assert.equal(entityArn('aws', '123456789012', 'role', '/ml/', 'trainer'), 'arn:aws:iam::123456789012:role/ml/trainer');
  assert.equal(entityArn('acs', '123456789012', 'role', '/', 'trainer'), 'acs:ram::123456789012:role/trainer');
  const id = uniqueId('AROA', new Uint8Array([1, 2, 3]));
  assert.match(id, /^AROA[A-Z2-7]{17}$/);
});

test('ARN parameters: at most 2,048 characters, refused in IAM\'s words without the value', () => {
  assert.equal(arnTooLong('PolicySourceArn', `arn:aws:iam::123456789012:user/${'a'.repeat(2000)}`), undefined);
  const refusal = arnTooLong('PolicySourceArn', `arn:aws:iam::123456789012:user/${'a'.repeat(3000)}`) ?? '';
  assert.match(refusal, /'policySourceArn' failed to satisfy constraint: Member must have length less than or equal to 2048/);
  assert.doesNotMatch(refusal, /aaaa/);
});
