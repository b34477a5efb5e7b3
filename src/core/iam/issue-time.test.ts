import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, deniedByIssueTime, parsePolicy, type Principal } from './index.ts';

const compiled = (doc: unknown, name = 'p') => {
  const r = parsePolicy(JSON.stringify(doc), { kind: 'identity' });
  assert.ok(r.ok, JSON.stringify(r));
  return compilePolicy(r.value, name);
};
const NOW = Date.parse('2026-12-07T12:00:00Z');
const session = (issuedAt: number, tags: Record<string, string> = {}): Principal => ({
  kind: 'role-session', arn: 'arn:aws:sts::111122223333:assumed-role/r/s', partition: 'aws', account: '111122223333', roleArn: 'arn:aws:iam::111122223333:role/r', userId: 'AROAEXAMPLE:s', tags, session: { name: 's', issuedAt },
});
const revokeBefore = (date: string, key = 'aws:TokenIssueTime', extra: Record<string, unknown> = {}) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { [key]: date }, ...extra } }] });

test('deniedByIssueTime: AWS\'s "Revoke active sessions" denies an older session and not one issued now (review vz, 1)', () => {
  const set = { identity: [compiled({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), compiled(revokeBefore('2026-12-07T11:00:00Z'), 'AWSRevokeOlderSessions')] };
  assert.equal(deniedByIssueTime(set, session(NOW - 2 * 3600_000), NOW), true);
  assert.equal(deniedByIssueTime(set, session(NOW - 1800_000), NOW), false, 'a session issued after the date is not denied');
  // RAM's spelling of the key, in a boundary.
  const ram = { identity: [], boundary: compiled({ Version: '1', Statement: [{ Effect: 'Deny', Action: 'oss:*', Resource: '*', Condition: { DateLessThan: { 'acs:TokenIssueTime': '2026-12-07T11:00:00Z' } } }] }) };
  assert.equal(deniedByIssueTime(ram, session(NOW - 2 * 3600_000), NOW), true);
});

test('deniedByIssueTime: not when a new session would be denied too, nor for a Deny that does not read the issue time', () => {
  // Every session issued before a date to come: one issued now is denied as well.
  assert.equal(deniedByIssueTime({ identity: [compiled(revokeBefore('2030-01-01T00:00:00Z'))] }, session(NOW - 3600_000), NOW), false);
  assert.equal(deniedByIssueTime({ identity: [compiled({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] })] }, session(NOW - 3600_000), NOW), false);
  // An Allow on the issue time is no revocation.
  assert.equal(deniedByIssueTime({ identity: [compiled({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:TokenIssueTime': '2026-12-07T11:00:00Z' } } }] })] }, session(NOW - 2 * 3600_000), NOW), false);
  // The Deny's other conditions are read with what the session carries: a tag it does not have keeps it out.
  const tagged = { identity: [compiled(revokeBefore('2026-12-07T11:00:00Z', 'aws:TokenIssueTime', { StringEquals: { 'aws:PrincipalTag/team': 'red' } }))] };
  assert.equal(deniedByIssueTime(tagged, session(NOW - 2 * 3600_000, { team: 'blue' }), NOW), false);
  assert.equal(deniedByIssueTime(tagged, session(NOW - 2 * 3600_000, { team: 'red' }), NOW), true);
});
