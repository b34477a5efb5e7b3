/**
 * Review mz, 4: `gatehouse server --health-listen ""` and `--workers ""` (the usual way to get them: `--health-listen
 * "$HEALTH_ADDR"` or `--workers "$WORKERS"` with the variable unset, in a unit file, a container's args or a script)
 * were taken as if the option had been left out: the server started with no probes' port at all (the kubelet's probes
 * on it then failed, and it restarted the pod again and again, while the start log said nothing of a probes' port),
 * even over GATEHOUSE_HEALTH_LISTEN, and with one process instead of the workers asked for. Every other option of the
 * server refuses an empty value (`--data-dir`, review gc, 6; `--listen`, `--max-connections`, `--max-staleness`…).
 * Now both are malformed arguments: exit 2 before anything starts, saying to give a value or leave the option out. An
 * empty GATEHOUSE_HEALTH_LISTEN or GATEHOUSE_WORKERS still means unset, as for every GATEHOUSE_* variable.
 * In-process `runCli` with the server's start stubbed (it must not be reached).
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../src/adapters/cli/program.ts';

async function server(args: readonly string[], env: Record<string, string> = {}): Promise<{ status: number; err: string; started: object[] }> {
  let err = '';
  const started: object[] = [];
  const status = await runCli(['server', '--data-dir', '/nonexistent/gh-review-mz4', ...args], {
    out: () => {},
    err: (t) => void (err += t),
    readFile: async () => {
      throw Object.assign(new Error('no file'), { code: 'ENOENT' });
    },
    now: () => Date.now(),
    version: 'test',
    env,
    runServer: async (opts) => {
      started.push(opts);
      return 0;
    },
  });
  return { status, err, started };
}

test('an empty --health-listen is refused, not read as no probes port', async () => {
  for (const args of [['--health-listen', ''], ['--health-listen='], ['--health-listen', '', '--workers', '2']]) {
    const r = await server(args, { GATEHOUSE_HEALTH_LISTEN: '0.0.0.0:8475' });
    assert.equal(r.status, 2, `${JSON.stringify(args)}: ${r.err}`);
    assert.deepEqual(r.started, [], JSON.stringify(args));
    assert.match(r.err, /^gatehouse server: --health-listen is empty: give HOST:PORT \(such as 0\.0\.0\.0:8475\), or leave --health-listen out/);
  }
});

test('an empty --workers is refused, not read as one process', async () => {
  for (const args of [['--workers', ''], ['--workers=']]) {
    const r = await server(args, { GATEHOUSE_WORKERS: '4' });
    assert.equal(r.status, 2, `${JSON.stringify(args)}: ${r.err}`);
    assert.deepEqual(r.started, [], JSON.stringify(args));
    assert.match(r.err, /^gatehouse server: --workers is empty: give a whole number from 1 to 64 or `auto`, or leave --workers out/);
  }
});

test('empty GATEHOUSE_HEALTH_LISTEN and GATEHOUSE_WORKERS still mean unset', async () => {
  const r = await server([], { GATEHOUSE_HEALTH_LISTEN: '', GATEHOUSE_WORKERS: '' });
  assert.equal(r.status, 0, r.err);
  assert.equal(r.started.length, 1);
  assert.equal((r.started[0] as { workers?: number }).workers, undefined);
  assert.equal((r.started[0] as { healthListen?: string }).healthListen, undefined);
});
