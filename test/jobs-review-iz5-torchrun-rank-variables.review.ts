/**
 * Review iz, finding 5: `jobs run --replicas N` says it sets its ranks' variables "as torchrun does", and set five:
 * RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT. torchrun gives each worker more (its documented
 * "environment variables made available to your script"): LOCAL_WORLD_SIZE, GROUP_RANK, ROLE_RANK, ROLE_WORLD_SIZE,
 * TORCHELASTIC_RESTART_COUNT, TORCHELASTIC_MAX_RESTARTS, TORCHELASTIC_RUN_ID, with GROUP_WORLD_SIZE and ROLE_NAME. Two
 * ways that went wrong: the caller's own values of those passed through unchanged, so `jobs run --replicas 2` started
 * from a shell or process that a torchrun, Slurm script or an enclosing job had given LOCAL_WORLD_SIZE=8 and GROUP_RANK=3
 * gave its ranks WORLD_SIZE=2 beside LOCAL_WORLD_SIZE=8 and GROUP_RANK=3 (a rank computing its device or global rank
 * from them got it wrong), and TORCHELASTIC_USE_AGENT_STORE=True made torch's env:// rendezvous wait for a store that no
 * launcher here hosts; and without them, frameworks that recognise a torchrun launch by its variables (PyTorch
 * Lightning's TorchElasticEnvironment wants RANK, GROUP_RANK, LOCAL_RANK and LOCAL_WORLD_SIZE) did not recognise it.
 *
 * Now every rank gets torchrun's variables for one node of N workers (GROUP_RANK 0, GROUP_WORLD_SIZE 1, ROLE_NAME
 * default, LOCAL_WORLD_SIZE and ROLE_WORLD_SIZE N, ROLE_RANK its rank, restart count and maximum 0, the run id the job's
 * id), and the caller's TORCHELASTIC_USE_AGENT_STORE and TORCHELASTIC_ERROR_FILE (another launcher's) are not passed on.
 *
 * The real CLI in process against a real server. Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-iz5-'));
});
after(async () => stop?.());

const TORCHRUN = ['RANK', 'LOCAL_RANK', 'GROUP_RANK', 'ROLE_RANK', 'ROLE_NAME', 'LOCAL_WORLD_SIZE', 'WORLD_SIZE', 'GROUP_WORLD_SIZE', 'ROLE_WORLD_SIZE', 'MASTER_ADDR', 'TORCHELASTIC_RESTART_COUNT', 'TORCHELASTIC_MAX_RESTARTS', 'TORCHELASTIC_RUN_ID', 'TORCHELASTIC_USE_AGENT_STORE', 'TORCHELASTIC_ERROR_FILE'];

test('iz5: each rank gets torchrun\'s variables for its job, whatever the caller\'s environment held', async () => {
  const rank = `const fs = require('node:fs'); const e = process.env; fs.writeFileSync(require('node:path').join(${JSON.stringify(home)}, 'rank-' + e.RANK + '.json'), JSON.stringify(Object.fromEntries(${JSON.stringify(TORCHRUN)}.map((k) => [k, e[k] ?? null]).concat([['MASTER_PORT', e.MASTER_PORT]]))))`;
  const r = await gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--replicas', '2', '--', process.execPath, '-e', rank], {
    HOME: home,
    TMPDIR: home,
    PATH: process.env['PATH'],
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    GATEHOUSE_ENDPOINT: server.url,
    // What an enclosing torchrun worker (world of 8 on 4 nodes, node 3) has, around `jobs run`.
    LOCAL_WORLD_SIZE: '8',
    GROUP_RANK: '3',
    GROUP_WORLD_SIZE: '4',
    ROLE_RANK: '27',
    ROLE_WORLD_SIZE: '32',
    ROLE_NAME: 'trainer',
    TORCHELASTIC_RESTART_COUNT: '2',
    TORCHELASTIC_MAX_RESTARTS: '3',
    TORCHELASTIC_RUN_ID: 'outer',
    TORCHELASTIC_USE_AGENT_STORE: 'True',
    TORCHELASTIC_ERROR_FILE: '/tmp/outer/error.json',
  });
  assert.equal(r.code, 0, r.stderr);
  const id = /job (\w+) \(/.exec(r.stderr)?.[1] ?? '';
  const ranks = await Promise.all([0, 1].map(async (n) => JSON.parse(await readFile(join(home, `rank-${n}.json`), 'utf8')) as Record<string, string | null>));
  for (const [n, env] of ranks.entries()) {
    const { MASTER_PORT: port, ...rest } = env;
    assert.match(String(port), /^\d+$/);
    assert.deepEqual(rest, {
      RANK: String(n),
      LOCAL_RANK: String(n),
      GROUP_RANK: '0',
      ROLE_RANK: String(n),
      ROLE_NAME: 'default',
      LOCAL_WORLD_SIZE: '2',
      WORLD_SIZE: '2',
      GROUP_WORLD_SIZE: '1',
      ROLE_WORLD_SIZE: '2',
      MASTER_ADDR: '127.0.0.1',
      TORCHELASTIC_RESTART_COUNT: '0',
      TORCHELASTIC_MAX_RESTARTS: '0',
      TORCHELASTIC_RUN_ID: id,
      TORCHELASTIC_USE_AGENT_STORE: null,
      TORCHELASTIC_ERROR_FILE: null,
    }, `rank ${n}`);
  }
  assert.equal(ranks[0]?.['MASTER_PORT'], ranks[1]?.['MASTER_PORT']);
});
