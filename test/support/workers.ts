/**
 * A server of two workers (`startWorkers`, as `gatehouse server --workers 2`) on a temporary data dir, for the suite
 * `twoWorkers` is called in: started before its tests, stopped and its directory removed after. And what the reviews
 * of workers share: a GET on a fresh connection (the next worker takes it) and one sample of a /metrics text.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWorkers, type RunningWorkers } from '../../src/main/workers.ts';
import { suiteWorld } from './suite-world.ts';

export interface TwoWorkers {
  /** The running server; set once `before` has run. */
  readonly w: RunningWorkers;
  /** The root admin's key, from the data dir's admin-credentials.json. */
  admin(): Promise<{ accessKeyId: string; secretAccessKey: string }>;
}

/** Starts the workers for the suite it is called in (suite-world.ts); `healthListen` adds a health listener, `s3Listen` the S3 gateway (off by default). */
export function twoWorkers(name: string, options: { readonly healthListen?: string; readonly s3Listen?: string } = {}): TwoWorkers {
  const world = suiteWorld('twoWorkers', async (cleanUp) => {
    const dir = await mkdtemp(join(tmpdir(), `gh-${name}-`));
    cleanUp(() => rm(dir, { recursive: true, force: true }));
    const running = await startWorkers({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', ...options, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, log: () => {} }, 2);
    cleanUp(async () => {
      await running.stop();
    });
    return { dir, running };
  });
  return {
    get w(): RunningWorkers {
      return world().running;
    },
    async admin() {
      const file = JSON.parse(await readFile(join(world().dir, 'data', 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
      return { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    },
  };
}

/** A request on a fresh connection (no agent): the next worker takes it. */
export { freshRequest } from './raw-answer.ts';

/** The value of the sample `line` (`name{labels}`) of a Prometheus text, or undefined. */
export const metricSample = (text: string, line: string): number | undefined => {
  const l = text.split('\n').find((x) => x.startsWith(`${line} `));
  return l === undefined ? undefined : Number(l.slice(line.length + 1));
};
