/**
 * A real server started against a PostgreSQL address nobody listens on: it never finishes starting, and its waiting
 * listener on `--listen` answers meanwhile (`/healthz` 200, `/readyz` 503, every other request 503). `stop` aborts the
 * start and gives what it failed with; the data dir is removed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/main/server.ts';
import { freePort } from './processes.ts';
import { settled, SETTLE_MS } from './settle.ts';

export interface WaitingServer {
  /** The waiting listener's URL on `--listen`. */
  readonly url: string;
  readonly logs: readonly string[];
  stop(): Promise<unknown>;
}

export async function startWaitingForDatabase(prefix: string, options: { readonly healthListen?: string } = {}): Promise<WaitingServer> {
  const dir = await mkdtemp(join(tmpdir(), `gh-${prefix}-`));
  const deadPort = await freePort();
  const abort = new AbortController();
  const logs: string[] = [];
  const started = startServer({
    dataDir: dir,
    listen: '127.0.0.1:0',
    agentListen: '127.0.0.1:0',
    ...(options.healthListen !== undefined ? { healthListen: options.healthListen } : {}),
    databaseUrl: `postgres://gatehouse:x@127.0.0.1:${deadPort}/gatehouse`,
    env: { GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') },
    signal: abort.signal,
    log: (l) => void logs.push(l),
  }).then(
    () => assert.fail('the start must not finish without a database'),
    (e: unknown) => e,
  );
  const stop = async (): Promise<unknown> => {
    abort.abort();
    const e = await started;
    await rm(dir, { recursive: true, force: true });
    return e;
  };
  // The waiting listener says where it is once the first attempt failed.
  const url = await settled(
    async () => logs.map((l) => (/answers \/healthz 200 and \/readyz 503/.test(l) ? /(http:\/\/127\.0\.0\.1:\d+)/.exec(l)?.[1] : undefined)).find((x) => x !== undefined) ?? '',
    (u) => u !== '',
    SETTLE_MS,
    50,
  );
  if (url === '') {
    await stop();
    assert.fail(`the waiting listener never said where it is:\n${logs.join('\n')}`);
  }
  return { url, logs, stop };
}
