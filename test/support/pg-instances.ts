/**
 * Two `gatehouse server` instances on one PostgreSQL schema of their own, for the tests that kill an instance in the
 * middle of a write (reviews fh, 2 and fh, 3): each with its data dir, and the root admin's key that the first start
 * wrote. `a`, the one killed, is a process; `b`, which the tests only talk to over HTTP, runs in this process
 * (test/support/server-in-process.ts: a process more cost about a second of CPU). Whatever is made is undone by the
 * `cleanup` list the caller runs after its tests (last first): `a` SIGKILLed if still running, `b` stopped, the data
 * dirs removed, the schema dropped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverProcess, type ServerProcess } from './processes.ts';
import { serverInProcess } from './server-in-process.ts';
import { PG_URL, pgAdmin } from './postgres.ts';

export interface AdminKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface PgInstance extends ServerProcess {
  readonly dataDir: string;
}

/** Instances `a` (a process) and `b` (in this process) on a new schema named after `tag` (`schema`), and the admin's key; their undoing is pushed on `cleanup`. */
export async function twoPgInstances(tag: string, cleanup: (() => Promise<unknown>)[]): Promise<{ a: PgInstance; b: { readonly url: string; readonly dataDir: string }; admin: AdminKey; schema: string }> {
  const schema = `gh_${tag}_${randomBytes(6).toString('hex')}`;
  cleanup.push(() => pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));
  const env = { GATEHOUSE_DATABASE_URL: PG_URL, GATEHOUSE_DATABASE_SCHEMA: schema, GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), HOME: process.env['HOME'] ?? tmpdir() };
  const dataDirOf = async (name: string): Promise<string> => {
    const dataDir = await mkdtemp(join(tmpdir(), `gh-${tag}-${name}-`));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    return dataDir;
  };
  const spawn = async (name: string): Promise<PgInstance> => {
    const dataDir = await dataDirOf(name);
    const s = await serverProcess(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], env, `server ${name}`);
    cleanup.push(async () => {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        const exited = new Promise((r) => s.child.once('exit', r));
        s.child.kill('SIGKILL');
        await exited;
      }
    });
    return { ...s, dataDir };
  };
  const a = await spawn('a');
  const bDir = await dataDirOf('b');
  const inProcess = await serverInProcess({ dataDir: bDir, env });
  cleanup.push(() => inProcess.stop());
  const b = { url: inProcess.url, dataDir: bDir };
  const file = JSON.parse(await readFile(join(a.dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  return { a, b, schema, admin: { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey } };
}
