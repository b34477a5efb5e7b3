/**
 * Review td, finding 5: a tenant's admin applying (or planning) a document whose `metadata.account` names another
 * account was told `account 444444444444 does not exist` (NoSuchEntity, exit 6) when no such account exists, and refused
 * (AccessDenied, exit 9) when it does: an oracle of which 12-digit ids are other tenants. A tenant manages only its own
 * account (DESIGN.md "Pinned details": an account's users, roles and policies are managed with its admin's keys;
 * docs/decisions.md: `accounts list` shows a tenant only its own account, review gn, 5). Now another account than the
 * caller's own is refused to a tenant before it is looked up, in one answer whether it exists or not; the root account's
 * principals are answered as before. The real CLI in process against a real server (SQLite).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { accountAdmin, cliAgainst, type Credentials } from './support/server.ts';

const user = (account: string) => `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: probe, account: "${account}"}
spec: {}
`;

describe("review td5: another account's existence is not told to a tenant", () => {
  const w = applyWorkspace('td5');
  let tenant: Credentials;
  before(async () => {
    tenant = await accountAdmin(w.server, '111111111111', 'aws');
    await accountAdmin(w.server, '222222222222', 'aws');
  });

  it("a tenant's admin gets one answer for an account that exists and one that does not", async () => {
    const answers = [];
    for (const id of ['222222222222', '444444444444']) {
      for (const command of ['plan', 'apply']) {
        const r = await cliAgainst(w.server, [command, '-f', await w.file(`${id}-${command}.yaml`, user(id))], tenant);
        assert.equal(r.status, 9, r.out + r.err);
        assert.doesNotMatch(r.err, /does not exist/);
        answers.push((r.err.split('\n')[0] ?? '').replace(/^.*?: document 1 \(User probe\): /, '').replace(/\d{12}(?=\.yaml| is not)/g, 'N'));
      }
    }
    assert.equal(new Set(answers.map((a) => a.replace(/account (222222222222|444444444444)/, 'account N'))).size, 1, answers.join('\n'));
  });

  it('its own account still applies, and the root admin is still told an account does not exist', async () => {
    const own = await cliAgainst(w.server, ['apply', '-f', await w.file('own.yaml', user('111111111111'))], tenant);
    assert.equal(own.status, 0, own.out + own.err);
    const root = await w.cli('plan', '-f', await w.file('root.yaml', user('444444444444')));
    assert.equal(root.status, 6, root.out + root.err);
    assert.match(root.err, /account 444444444444 does not exist/);
  });
});
