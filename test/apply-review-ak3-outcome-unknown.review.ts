/**
 * Review ak, finding 3: when the server lost its PostgreSQL connection while an apply's transaction committed, the CLI
 * printed the server's "may or may not have been made" and then, as for a refused apply, `gatehouse apply: 1 error;
 * nothing was changed` (exit 11). The apply had committed: the operator was told the opposite, and the Account it
 * created had an admin whose access key no one saw. Now the CLI says the apply may or may not have been made as a
 * whole, which `gatehouse plan` to run, and that an Account it created has an admin key whose secret was lost. A real
 * server on the test PostgreSQL behind a TCP proxy on 127.0.0.1 that drops the answer to the apply's COMMIT; the CLI's
 * program in this process (test/support/gatehouse-cli.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { commitAnswerLost, serverBehindProxy, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('review ak3: an apply whose commit answer was lost is not said to have changed nothing', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  const file = join(tmpdir(), `ak3-${process.pid}.yaml`);
  before(async () => {
    s = await serverBehindProxy('review_ak3');
  });
  after(async () => {
    await rm(file, { force: true });
    await s?.stop();
  });

  it('exit 11, no "nothing was changed", the plan to run and the lost admin key; the plan then finds it applied', async () => {
    await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: Account\nmetadata: {name: "444444444444"}\nspec: {partition: aws}\n---\napiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: ak3}\n');
    s.fault = commitAnswerLost((text) => text.includes('INSERT INTO accounts'));
    const r = await s.cli(['apply', '-f', file]);
    assert.equal(s.fired, 1, 'the proxy dropped the answer to the COMMIT of the apply');
    assert.equal(r.code, 11, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    // Before: `gatehouse apply: 1 error; nothing was changed`.
    assert.doesNotMatch(r.stderr, /nothing was changed/);
    assert.match(r.stderr, /may or may not have been made, as a whole/);
    assert.ok(r.stderr.includes(`\`gatehouse plan -f ${file}\` shows what is still to do`), r.stderr);
    assert.match(r.stderr, /if account 444444444444 was created by it, the access key of its `admin` user was made too, and its secret was in the answer that was lost/);
    const plan = await s.cli(['plan', '-f', file]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /= unchanged Account\/444444444444[\s\S]*= unchanged User\/ak3/);
  });
});
