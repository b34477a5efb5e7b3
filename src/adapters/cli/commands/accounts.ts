/**
 * `gatehouse accounts create|list` (DESIGN.md, "Pinned details": accounts) and `gatehouse whoami`, over the
 * admin API.
 */
import { Option } from 'commander';
import { call, remote, withServerOptions, type ConnectionOptions } from '../client.ts';
import type { CommandGroup } from '../context.ts';
import { formatTable, withJsonOption } from '../output.ts';

interface CreatedAccount {
  readonly AccountId: string;
  readonly Partition: string;
  readonly Name: string;
  readonly UserName: string;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
}

interface AccountRow {
  readonly id: string;
  readonly partition: string;
  readonly name: string;
  readonly created: string;
}

type Opts = ConnectionOptions & { readonly json?: true };

/** What `GET /v1/whoami` answers, as `whoami` reads it. */
const WHOAMI = { account: 'string', partition: 'string', arn: 'string', accessKeyId: 'string' } as const;

export const accountsCommands: CommandGroup = (program, ctx) => {
  const accounts = program.command('accounts').description('create and list accounts (principals of the root account 000000000000 create them)');

  withServerOptions(
    withJsonOption(
      accounts
        .command('create')
        .description('create an account with a user `admin` that has full rights in it, and print that user\'s access key once')
        .requiredOption('--id <id>', 'the 12-digit account id')
        .addOption(new Option('--partition <partition>', 'aws (IAM-style ARNs and iam: actions) or acs (Alibaba RAM-style, ram: actions)').choices(['aws', 'acs']).makeOptionMandatory())
        .option('--name <name>', 'a display name (default: the id)'),
    ),
  )
    .addHelpText(
      'after',
      `
The secret access key is printed once and stored only sealed: keep it. With --json the output has AccountId,
Partition, Name, UserName, AccessKeyId and SecretAccessKey.
Exit status: 0 created, 2 a --partition other than aws or acs (or --id or --partition missing), 7 the account exists,
8 an id that is not 12 digits, 9 not a root-account principal.

Example:
  gatehouse accounts create --id 123456789012 --partition acs --name vision --json`,
    )
    .action(async (opts: Opts & { id: string; partition: string; name?: string }) =>
      ctx.exit(
        await remote(
          ctx,
          opts,
          (c) => call<CreatedAccount>(c, 'POST', ['accounts'], {
              body: { id: opts.id, partition: opts.partition, ...(opts.name !== undefined ? { name: opts.name } : {}) },
              shape: { AccountId: 'string', Partition: 'string', Name: 'string', UserName: 'string', AccessKeyId: 'string', SecretAccessKey: 'string' },
            }),
          (a) =>
            ctx.out(
              `created account ${a.AccountId} (partition ${a.Partition}, name ${a.Name}) with user ${a.UserName}\n` +
                `access key of ${a.UserName} (shown once; store it now):\n  AccessKeyId      ${a.AccessKeyId}\n  SecretAccessKey  ${a.SecretAccessKey}\n`,
            ),
        ),
      ),
    );

  withServerOptions(withJsonOption(accounts.command('list').description('list the accounts you can see (all of them for root-account principals allowed iam:ListAccounts, else your own)'))).action(async (opts: Opts) =>
    ctx.exit(
      await remote(
        ctx,
        opts,
        (c) => call<{ accounts: AccountRow[] }>(c, 'GET', ['accounts'], { shape: { accounts: [{ id: 'string', partition: 'string', name: 'string', created: 'string' }] } }),
        (r) =>
          ctx.out(
            formatTable<AccountRow>(
              [
                { header: 'id', value: (a) => a.id },
                { header: 'partition', value: (a) => a.partition },
                { header: 'name', value: (a) => a.name },
                { header: 'created', value: (a) => a.created },
              ],
              r.accounts,
            ),
          ),
      ),
    ),
  );

  withServerOptions(withJsonOption(program.command('whoami').description('show who the credentials in use belong to: account, partition, ARN'))).action(async (opts: Opts) =>
    ctx.exit(
      await remote(
        ctx,
        opts,
        (c) => call<{ account: string; partition: string; arn: string; userName: string | null; accessKeyId: string; openedWith?: string }>(c, 'GET', ['whoami'], { shape: WHOAMI }),
        // A console sign-in opened with a long-term key: the key it acts as (review rx, 2).
        (w) => ctx.out(`${w.arn}\n  account    ${w.account} (${w.partition})\n  access key ${w.accessKeyId}\n${typeof w.openedWith === 'string' ? `  opened with ${w.openedWith}\n` : ''}`),
      ),
    ),
  );
};
