/**
 * Review tl, finding 1: a principal of the root account allowed nothing (a training job's session, a user with no
 * policy) applying or planning a document whose `metadata.account` names another account was told
 * `account 444444444444 does not exist` (NoSuchEntity, exit 6) when no such account exists, and refused (AccessDenied,
 * exit 9) when it does: an oracle of which 12-digit ids are tenants, to anyone holding a root-account key. Which accounts
 * exist is told only to root-account principals allowed `iam:ListAccounts` (docs/decisions.md, `accounts list`,
 * review gn, 5; review td, 1 and 5 closed the same oracle for an Account document and for tenants). Now a root-account
 * principal not allowed `ListAccounts` gets for an absent account the answer it gets for a present one: the read the
 * document implies (`iam:GetUser` …) decided first, and refused the same way; one allowed `ListAccounts`, or allowed that
 * read, is still told the account does not exist. The real CLI in process against a real server (SQLite).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { accountAdmin, cliAgainst, userWithKey, type Credentials } from './support/server.ts';

const user = (account: string) => `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: probe, account: "${account}"}
spec: {}
`;

describe("review tl1: another account's existence is not told to a root-account principal allowed nothing", () => {
  const w = applyWorkspace('tl1');
  let nobody: Credentials;
  before(async () => {
    await accountAdmin(w.server, '222222222222', 'aws');
    nobody = await userWithKey(w.server, 'nobody');
  });

  it('a root-account user allowed nothing gets one answer for an account that exists and one that does not', async () => {
    const answers = [];
    for (const id of ['222222222222', '444444444444']) {
      for (const command of ['plan', 'apply']) {
        const r = await cliAgainst(w.server, [command, '-f', await w.file(`${id}-${command}.yaml`, user(id))], nobody);
        assert.equal(r.status, 9, r.out + r.err);
        assert.doesNotMatch(r.err, /does not exist/);
        answers.push((r.err.split('\n')[0] ?? '').replace(/\d{12}-(plan|apply)\.yaml/g, 'F').replace(/222222222222|444444444444/g, 'N'));
      }
    }
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
  });

  it('the root admin is still told an account does not exist', async () => {
    const root = await w.cli('plan', '-f', await w.file('root.yaml', user('444444444444')));
    assert.equal(root.status, 6, root.out + root.err);
    assert.match(root.err, /account 444444444444 does not exist/);
  });
});
