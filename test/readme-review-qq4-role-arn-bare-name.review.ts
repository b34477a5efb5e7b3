/**
 * Review `readme`, qq4: README §3 names the role of `gatehouse credentials --role-arn ARN`, `gatehouse sts assume-role`
 * and `gatehouse sts revoke-sessions --role-arn ARN` by its ARN, and §6's `gatehouse kube token --role-arn ARN` too. A
 * user who gave the role's name instead (`--role-arn ScientistUserRole`, as `jobs run --role` is often first tried)
 * was sent to the server and told, for a name under 20 characters, `Value at 'roleArn' failed to satisfy constraint:
 * Member must have length greater than or equal to 20` (a length, not what is wrong), for a longer one "is not a role
 * ARN", neither saying what to give; `jobs run --role NAME` already says it (review readme, R8 and kk, 1). Now each of
 * these options refuses a value that is no ARN before anything is sent (exit 2, a wrong command line), saying what it
 * takes and the ARN to give for a role of that name; an ARN (either dialect) is sent as before. In process.
 * Before the fix 4 of 5 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { cliAgainstClosedPort } from './support/gatehouse-cli.ts';

const HINT = "--role-arn takes a role's ARN, got `ScientistUserRole`; for the role named `ScientistUserRole`, give its ARN: --role-arn arn:aws:iam::<account>:role/ScientistUserRole (`gatehouse whoami` shows your account)";

for (const args of [
  ['credentials', '--role-arn', 'ScientistUserRole'],
  ['sts', 'assume-role', '--role-arn', 'ScientistUserRole', '--role-session-name', 'me'],
  ['sts', 'revoke-sessions', '--role-arn', 'ScientistUserRole'],
  ['kube', 'token', '--cluster', 'gpu-a', '--role-arn', 'ScientistUserRole'],
]) {
  test(`qq4: \`gatehouse ${args.join(' ')}\` is a usage error saying to give the role's ARN`, async () => {
    const r = await cliAgainstClosedPort(args);
    assert.equal(r.status, EXIT.usage, r.err);
    assert.match(r.err, new RegExp(HINT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.doesNotMatch(r.err, /cannot reach|length greater/);
  });
}

test('qq4: a role ARN of either dialect is taken and sent (the closed port answers nothing: exit 10)', async () => {
  for (const arn of ['arn:aws:iam::000000000000:role/ScientistUserRole', 'acs:ram::222233334444:role/trainer']) {
    const r = await cliAgainstClosedPort(['credentials', '--role-arn', arn]);
    assert.equal(r.status, EXIT.unavailable, r.err);
  }
});
