/**
 * Review tx, finding 4: a root-account principal not allowed `iam:ListAccounts` applying or planning an Account document
 * for another account, with a document of that account beside it (an Account and its users, as examples/config lays
 * them out), was refused the Account document alone when the account does not exist (the User is of an account the
 * apply would create, planned unread), but both documents when it exists, the User's refusal naming its ARN
 * (`acs:ram::333333333333:user/probe` for an Alibaba account); with `--prune`, the listing of the account's users too.
 * One error or two, and the partition, told which ids are tenants and of which cloud; a tenant's admin, refused the
 * Account document as not of the root account, was told the same by the User's refusal (`acs:ram::…` belongs to account
 * N) or its absence. Which accounts exist is told only
 * to root-account principals allowed `ListAccounts` (docs/decisions.md, `accounts list`, review gn, 5; td, 1 and 5; tl,
 * 1). Now, for such a principal or a tenant, an Account document about another account it is refused reading is the one refusal
 * for that account: the account's other documents are neither read, listed nor planned, whether it exists or not. The
 * real CLI in process against a real server (SQLite).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { accountAdmin, cliAgainst, userWithKey, type Credentials } from './support/server.ts';

const files = (account: string) => `apiVersion: gatehouse.dev/v1
kind: Account
metadata: {name: "${account}"}
spec: {name: probe, partition: aws}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: probe, account: "${account}"}
spec: {}
`;

describe('review tx4: an Account document refused its read is the one answer for its account', () => {
  const w = applyWorkspace('tx4');
  let nobody: Credentials;
  let tenant: Credentials;
  before(async () => {
    tenant = await accountAdmin(w.server, '111111111111', 'aws');
    await accountAdmin(w.server, '222222222222', 'aws');
    await accountAdmin(w.server, '333333333333', 'acs');
    nobody = await userWithKey(w.server, 'nobody');
  });

  for (const [who, flags] of [['nobody', []], ['nobody', ['--prune']], ['tenant', []]] as const) {
    it(`one answer for an AWS account, an Alibaba account and none (${who}${flags.length > 0 ? ' --prune' : ''})`, async () => {
      const answers = [];
      for (const id of ['222222222222', '333333333333', '444444444444']) {
        const r = await cliAgainst(w.server, ['plan', ...flags, '-f', await w.file(`${id}${who}${flags.join('')}.yaml`, files(id))], who === 'nobody' ? nobody : tenant);
        assert.equal(r.status, 9, r.out + r.err);
        answers.push(r.err.replaceAll(id, 'N').replace(/^\S*\.yaml:/gm, 'F:').replace(/request id \S+/g, 'request id R').replace(/--request-id \S+\)/g, ''));
      }
      assert.equal(new Set(answers).size, 1, answers.join('\n'));
      assert.match(answers[0] ?? '', who === 'nobody' ? /ListAccounts/ : /only principals of the root account/);
      assert.doesNotMatch(answers.join('\n'), /acs:|GetUser|ListUsers/);
    });
  }
});
