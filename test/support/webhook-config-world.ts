/**
 * A server with cluster `c1` and a home directory, for the suite `webhookConfigWorld` is called in, and what the reviews
 * of `gatehouse kube webhook-config` writing its files ask (gr 3, gr 7): the CLI in process as the root admin, the
 * token the files of a directory hold, and the token now (written to a fresh directory under the home).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess, type InProcessOptions } from './gatehouse-cli.ts';
import { startTestServer, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

export interface WebhookConfigWorld {
  /** The home directory of the CLI runs; set once `before` has run. */
  readonly home: string;
  /** `opts` as `gatehouseInProcess` takes them (a signal's listener told to the test), but the standard input, `stdin`. */
  gatehouse(args: readonly string[], stdin?: string, opts?: Omit<InProcessOptions, 'stdin'>): ReturnType<typeof gatehouseInProcess>;
  /** The token the files in `dir` hold. */
  tokenIn(dir: string): Promise<string>;
  /** The token now: `webhook-config` without `--rotate` into `<home>/<name>`. */
  currentToken(name: string): Promise<string>;
}

export function webhookConfigWorld(name: string): WebhookConfigWorld {
  const gatehouseAt = (server: TestServer, home: string, args: readonly string[], stdin?: string, opts: Omit<InProcessOptions, 'stdin'> = {}): ReturnType<typeof gatehouseInProcess> => {
    const env = { HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin', AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url };
    return gatehouseInProcess(args, env, stdin === undefined ? opts : { ...opts, stdin });
  };
  const world = suiteWorld('webhookConfigWorld', async (cleanUp) => {
    const home = await mkdtemp(join(tmpdir(), `gh-${name}-`));
    cleanUp(() => rm(home, { recursive: true, force: true }));
    const server = await startTestServer();
    cleanUp(() => server.stop());
    const applied = await gatehouseAt(server, home, ['apply', '-f', '-'], 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec: {}\n');
    assert.equal(applied.code, 0, applied.stderr);
    return { server, home };
  });
  const gatehouse = (args: readonly string[], stdin?: string, opts?: Omit<InProcessOptions, 'stdin'>): ReturnType<typeof gatehouseInProcess> => gatehouseAt(world().server, world().home, args, stdin, opts);
  const tokenIn = async (dir: string): Promise<string> => {
    const text = await readFile(join(dir, 'authentication-webhook.kubeconfig'), 'utf8');
    const token = /token:\s*"?([^"\s]+)"?/.exec(text)?.[1];
    assert.ok(token, text.replace(/token:.*/, 'token: …'));
    return token;
  };
  return {
    get home() {
      return world().home;
    },
    gatehouse,
    tokenIn,
    async currentToken(dirName) {
      const out = join(world().home, dirName);
      const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      return tokenIn(out);
    },
  };
}
