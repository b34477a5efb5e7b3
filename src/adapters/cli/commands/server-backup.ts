/**
 * `gatehouse server backup` and `gatehouse server restore`: the SQLite store of a data dir copied while the server runs,
 * and put back with the server stopped (src/adapters/store-sqlite/backup.ts; docs/decisions.md, "Backup and restore of
 * the SQLite store"). A PostgreSQL deployment is refused, pointed at pg_dump and pg_restore.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { shownMessage } from '../output.ts';

/** Each refusal's exit status (docs/errors.md, "Backup and restore"). */
const STATUS = {
  PostgresStore: EXIT.usage,
  NoStore: EXIT.noInput,
  NotAGatehouseStore: EXIT.noInput,
  BackupExists: EXIT.conflict,
  StoreInUse: EXIT.conflict,
  MasterKeyMismatch: EXIT.noInput,
  UnwritableFile: EXIT.noInput,
} as const satisfies Record<import('../../store-sqlite/backup.ts').BackupFailureCode, ExitCode>;

const refused = (ctx: CommandContext, command: string, f: { code: keyof typeof STATUS; message: string }): void => {
  ctx.err(`gatehouse server ${command}: ${f.code}: ${shownMessage(f.message)}\n`);
  ctx.exit(STATUS[f.code]);
};

export function backupCommands(server: Command, ctx: CommandContext): void {
  server
    .command('backup')
    .description("copy the data dir's SQLite store to a file, consistent as of one instant, while the server runs")
    .option('--data-dir <dir>', 'the data dir of the server', './.gatehouse')
    .requiredOption('--to <file>', 'the backup file to write (mode 0600); refused when it exists, unless --force')
    .option('--force', 'replace --to when it exists (once the new backup is whole)')
    .addHelpText(
      'after',
      `
The copy is SQLite's online backup inside one read transaction: one snapshot, however long it takes, and the
server's writes go on meanwhile. It is written beside --to under a temporary name, checked, then put in place;
progress goes to stderr for a large store. The backup holds the store only: keep beside it, apart, what it
does not hold, which the command lists (the master key every secret in it is sealed under, named by its id;
admin-credentials.json; the S3 gateway's objects in DIR/objects; DIR/audit-spool). With GATEHOUSE_DATABASE_URL
set the store is PostgreSQL's: use pg_dump. Exit status: 0 written; 2 PostgreSQL (PostgresStore); 5 no store in
the data dir (NoStore), a file that is not a Gatehouse store (NotAGatehouseStore) or --to not writable
(UnwritableFile: also a file the server owns in the data dir, such as DIR/master.key, or in another server's data
dir, or a server's store in WAL mode, or no regular file such as /dev/stdout or a named pipe, --force or not); 7
--to exists (BackupExists). The backup is a file: to pipe it somewhere, write it to a file, then read that.`,
    )
    .action(async (opts: { dataDir: string; to: string; force?: boolean }) => {
      const { backupSqliteStore } = await import('../../store-sqlite/backup.ts');
      let said = ctx.now();
      const r = await backupSqliteStore({
        dataDir: opts.dataDir,
        to: opts.to,
        ...(opts.force === true ? { force: true } : {}),
        env: ctx.env ?? {},
        ...(ctx.onInterrupt !== undefined ? { onInterrupt: ctx.onInterrupt } : {}),
        progress: (copied, total) => {
          // Once a second at most: a small store says nothing.
          if (copied >= total || ctx.now() - said < 1000) return;
          said = ctx.now();
          ctx.err(`gatehouse server backup: ${Math.floor((copied / total) * 100)}% (${copied} of ${total} pages)\n`);
        },
      });
      if (!r.ok) return refused(ctx, 'backup', r);
      const { facts, beside } = r.value;
      const keyIds = facts.masterKeyIds.map((id) => `\`${id}\``).join(', ') || 'none yet';
      const keyFile = beside.masterKeyFile;
      const keyWhere =
        keyFile !== undefined && keyFile.id !== undefined && facts.masterKeyIds.includes(keyFile.id)
          ? `here it is ${keyFile.path}`
          : keyFile !== undefined
            ? `${keyFile.path} here is ${keyFile.id === undefined ? 'not a master key' : `another one (\`${keyFile.id}\`)`}: the server is given its key as GATEHOUSE_MASTER_KEY or --master-key-file`
            : 'the server is given it as GATEHOUSE_MASTER_KEY or --master-key-file';
      const lines = [
        `backed up ${r.value.file} to ${r.value.to}: ${facts.bytes} bytes, schema version ${facts.version}, change head ${facts.changeHead}, as of one instant (the server went on meanwhile)`,
        'not in the backup; keep beside it, each as safely as the secret it is:',
        `  - the master key (id ${keyIds}; ${keyWhere}): every secret in the backup is sealed under it, and a restore without it opens none of them; keep it apart from the backup, which without it is no credential`,
        ...(beside.adminCredentials !== undefined ? [`  - ${beside.adminCredentials}: the root admin's access key, for the CLI (its secret is in the backup only sealed)`] : []),
        ...(beside.objects !== undefined ? [`  - ${beside.objects.path}: the S3 gateway's objects (${beside.objects.buckets} bucket(s)), not in the store; copy the directory (stop the server for an exact copy: objects written meanwhile may be caught half-written)`] : []),
        ...(beside.auditSpool !== undefined ? [`  - ${beside.auditSpool.path}: ${beside.auditSpool.files} file(s) of audit records not yet in the audit log (a stop could not write them); the next start on this data dir appends them`] : []),
        `restore with: gatehouse server restore --data-dir DIR --from ${r.value.to} (every server on DIR stopped)`,
      ];
      ctx.out(`${lines.join('\n')}\n`);
      ctx.exit(EXIT.ok);
    });

  server
    .command('restore')
    .description("put a backup in place of the data dir's SQLite store, with every server on it stopped")
    .option('--data-dir <dir>', 'the data dir of the server', './.gatehouse')
    .requiredOption('--from <file>', 'the backup (made by gatehouse server backup)')
    .option('--master-key-file <file>', 'the master key file the server will be given (checked against the backup, never printed); default GATEHOUSE_MASTER_KEY, else DIR/master.key')
    .addHelpText(
      'after',
      `
Refused while a server (or any process) has the data dir's store open: stop every server on it first. The
backup is checked before anything is touched: a Gatehouse store of a schema this gatehouse knows, not damaged,
its secrets sealed under the master key the server on DIR will be given. The store it replaces is renamed
aside (gatehouse.db.replaced-TIME, or TIME.2 and on when that name is taken, with its -wal, -shm and -journal;
those of a store moved away, found with none, are moved aside alone: SQLite would read them into the backup), never
deleted. A symlinked gatehouse.db is kept: the file it leads to is replaced, the replaced one kept beside it. Run as
root, the restored file gets the owner and group of the file it replaces (else of the data dir). A restore takes back everything changed since the backup: revocations made since are lost (revoke
again), sessions sealed with a key rotated in since are refused, session keys dropped since (keys rotate --drop-retired)
are back (drop them again), the audit log ends where the backup's did (docs/decisions.md). Exit status: 0 restored;
2 PostgreSQL (PostgresStore: use pg_restore); 5 --from is not a Gatehouse store (NotAGatehouseStore), the master
key does not open it (MasterKeyMismatch), or the data dir cannot be written (UnwritableFile, NoStore); 7 a
server runs on the data dir (StoreInUse).`,
    )
    .action(async (opts: { dataDir: string; from: string; masterKeyFile?: string }) => {
      const { restoreSqliteStore } = await import('../../store-sqlite/backup.ts');
      const r = await restoreSqliteStore({ dataDir: opts.dataDir, from: opts.from, env: ctx.env ?? {}, now: ctx.now, ...(ctx.onInterrupt !== undefined ? { onInterrupt: ctx.onInterrupt } : {}), ...(opts.masterKeyFile !== undefined ? { masterKeyFile: opts.masterKeyFile } : {}) });
      if (!r.ok) return refused(ctx, 'restore', r);
      const { facts, keptAside, journalsAside, linkedTo } = r.value;
      const lines = [
        `restored ${r.value.from} into ${r.value.file}${linkedTo !== undefined ? ` (a symlink, kept: the file written is ${linkedTo})` : ''} (schema version ${facts.version}, change head ${facts.changeHead})${keptAside !== undefined ? `; the store it replaced is kept as ${keptAside} (rename it back to undo; delete it once the restored store serves)` : ''}`,
        ...(journalsAside !== undefined && journalsAside.length > 0
          ? [`the data dir had no store but its journal files, those of a store moved away (a killed server's last commits, which that file lacks): they are kept as ${journalsAside.join(', ')}, never read into the restored store; put them beside the moved file under its name (with every server stopped) to fold them into it, or delete them`]
          : []),
        'what the restore means:',
        '  - what changed after the backup is gone: users, roles, policies, access keys, bindings made or changed since; the audit log ends where the backup\'s did (the replaced store holds the rest)',
        '  - revocations made after the backup are gone too, and no running server holds them to write back: revoke again what was revoked since (gatehouse sts revoke-sessions, gatehouse users disable)',
        '  - sessions are checked with the backup\'s key ring: those sealed with a key rotated in since are refused; the others work until they expire',
        '  - session keys dropped since the backup (gatehouse keys rotate --drop-retired, after a leak) are back in that ring, and no running server holds the drop to make again: drop them again once the server serves',
        '  - the master key, admin-credentials.json, DIR/objects and DIR/audit-spool are left as they are',
        ...(r.value.adminCredentials ? [] : [`  - the data dir has no admin-credentials.json, and a server writes one only for an empty store: copy the one kept with the backup there for the CLI (mode 0600)`]),
        'start the server on the data dir to serve it',
      ];
      ctx.out(`${lines.join('\n')}\n`);
      ctx.exit(EXIT.ok);
    });
}
