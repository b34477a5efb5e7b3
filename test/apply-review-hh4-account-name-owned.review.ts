/**
 * Review hh, finding 4: a document owns its object (docs/documents.md: "a field left out of `spec` is empty"), with two
 * exceptions IAM has no call for: a managed policy's description and an account's partition. An Account's `name` (its
 * display name, "default the id") is changed by apply (`UpdateAccount`), yet a document that left it out was planned
 * `= unchanged` against an account named otherwise: `name: Vision team` removed from the file, `plan --exit-code` said
 * the directory matched the files while the account kept the name no file gave (and `accounts create --name` then
 * `apply` of its document never converged on the file). Now a document without `name` wants the default, the id:
 * `~ update Account/ID (name)`, and applied again it is `= unchanged`. The real CLI in process against a real server
 * on 127.0.0.1 (SQLite).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const ID = '444455556666';
const account = (name?: string, id = ID): string => `apiVersion: gatehouse.dev/v1
kind: Account
metadata: {name: "${id}"}
spec: {partition: aws${name !== undefined ? `, name: ${name}` : ''}}
`;

describe("review hh4: an Account document without `name` owns its name: the default, the id", () => {
  const w = applyWorkspace('hh4');

  it('a name left out of the file is planned and applied as a change back to the id, then unchanged', async () => {
    const named = await w.cli('apply', '-f', await w.file('named.yaml', account('"Vision team"')));
    assert.equal(named.status, 0, named.out + named.err);
    const bare = await w.file('bare.yaml', account());
    const plan = await w.cli('plan', '--exit-code', '-f', bare);
    // Before: exit 0, `= unchanged Account/444455556666`.
    assert.equal(plan.status, 1, plan.out + plan.err);
    assert.match(plan.out, new RegExp(`~ update Account/${ID} \\(name\\)\\n`));
    const apply = await w.cli('apply', '-f', bare);
    assert.equal(apply.status, 0, apply.out + apply.err);
    const list = await w.cli('accounts', 'list', '--json');
    const row = (JSON.parse(list.out) as { accounts: { id: string; name: string }[] }).accounts.find((a) => a.id === ID);
    assert.equal(row?.name, ID);
    const again = await w.cli('plan', '--exit-code', '-f', bare);
    assert.equal(again.status, 0, again.out + again.err);
    assert.match(again.out, new RegExp(`= unchanged Account/${ID}\\n`));
  });

  it("the root account's document without `name` wants `root`, the name its first start gave it, not its id", async () => {
    const bare = await w.file('root.yaml', account(undefined, '000000000000'));
    const plan = await w.cli('plan', '--exit-code', '-f', bare);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /= unchanged Account\/000000000000\n/);
  });
});
