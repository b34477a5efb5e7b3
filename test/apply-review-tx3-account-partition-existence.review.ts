/**
 * Review tx, finding 3: a root-account principal not allowed `iam:ListAccounts` (a training job's session, a user with
 * no policy) applying or planning a document whose `metadata.account` names another account was refused the read the
 * document implies, named by its ARN: `arn:aws:iam::444444444444:user/probe` for an account that does not exist (decided
 * as if it were an AWS account, review tl, 1) and for an AWS account, but `acs:ram::333333333333:user/probe` for an
 * Alibaba account. The partition in the refusal told that the account exists, and that it is a RAM tenant; `--prune`'s
 * refusal to list (`… on resource: acs:ram::333333333333:user/*`) told it too. Which accounts exist, and their
 * partitions, are told only to root-account principals allowed `ListAccounts` (docs/decisions.md, `accounts list`, review
 * gn, 5; review td, 1 and 5, tl, 1). Now such a principal, refused a read or a listing in another account, gets a
 * refusal naming the account and the object, not an ARN, alike for an AWS account, an Alibaba one and none; an account
 * that does not exist is told so only to one allowed the read in both partitions, as an existing one of either would
 * be read. The real CLI in process against a real server (SQLite).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';
import { accountAdmin, cliAgainst, userWithKey, userWithPolicy, type Credentials } from './support/server.ts';

const AWS = '222222222222';
const ACS = '333333333333';
const NONE = '444444444444';

const DOCS: Readonly<Record<string, (account: string) => string>> = {
  user: (a) => `apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: probe, account: "${a}"}\nspec: {}\n`,
  workspace: (a) => `apiVersion: gatehouse.dev/v1\nkind: Workspace\nmetadata: {name: probe, account: "${a}"}\nspec: {}\n`,
  policy: (a) => `apiVersion: gatehouse.dev/v1\nkind: Policy\nmetadata: {name: probe, account: "${a}"}\nspec: {document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}}\n`,
};

describe("review tx3: another account's partition does not tell a principal not allowed ListAccounts that it exists", () => {
  const w = applyWorkspace('tx3');
  let nobody: Credentials;
  let awsReader: Credentials;
  before(async () => {
    await accountAdmin(w.server, AWS, 'aws');
    await accountAdmin(w.server, ACS, 'acs');
    nobody = await userWithKey(w.server, 'nobody');
    awsReader = await userWithPolicy(w.server, 'awsreader', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: 'arn:aws:iam::*:user/*' }] }));
  });

  /** The first line of the refusal, the account id and the file name made alike. */
  const answer = async (who: Credentials, account: string, doc: string, ...flags: string[]): Promise<string> => {
    const r = await cliAgainst(w.server, ['plan', ...flags, '-f', await w.file(`${account}-${doc}${flags.join('')}.yaml`, (DOCS[doc] as (a: string) => string)(account))], who);
    return `${r.status} ${(r.err.split('\n')[0] ?? '').replaceAll(account, 'N').replace(/^\S*N-\w+(?:--prune)?\.yaml:/, 'F:')}`;
  };

  it('a user allowed nothing gets one answer for an AWS account, an Alibaba account and none', async () => {
    for (const doc of Object.keys(DOCS)) {
      const answers = [await answer(nobody, AWS, doc), await answer(nobody, ACS, doc), await answer(nobody, NONE, doc)];
      assert.equal(new Set(answers).size, 1, answers.join('\n'));
      assert.match(answers[0] ?? '', /^9 /);
      assert.doesNotMatch(answers.join('\n'), /acs:|does not exist/);
    }
  });

  it("--prune's refusal to list is one answer too", async () => {
    const answers = [await answer(nobody, AWS, 'user', '--prune'), await answer(nobody, ACS, 'user', '--prune'), await answer(nobody, NONE, 'user', '--prune')];
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
    assert.match(answers[0] ?? '', /^9 .*--prune lists/);
  });

  it('one allowed the read in AWS accounts only is told of no absent account it could tell from an Alibaba one', async () => {
    const [acs, none] = [await answer(awsReader, ACS, 'user'), await answer(awsReader, NONE, 'user')];
    assert.equal(acs, none);
    assert.match(none, /^9 /);
    // The root admin, allowed ListAccounts, is told an account does not exist, as before.
    const root = await w.cli('plan', '-f', await w.file('root.yaml', (DOCS['user'] as (a: string) => string)(NONE)));
    assert.equal(root.status, 6, root.out + root.err);
    assert.match(root.err, /account 444444444444 does not exist/);
  });
});
