/**
 * Review ur, 3: Ctrl-C (SIGINT) or a SIGTERM to `gatehouse kube webhook-config` while it wrote its files left their
 * temporary copies (`authentication-webhook.kubeconfig.HEX.tmp` and the others, each holding the webhook's bearer
 * token) in `--out` for good: a signal ends the process without the `finally` that removes them, and nothing listened
 * for it. One between two of its renames left some files with the new token and the others with the old, which the
 * staging was made to prevent (review gr, 7), and after `--rotate` the old one no longer works. `gatehouse server
 * backup` removes its temporary file on a signal (review si, 1); now webhook-config does too: while it writes, a
 * listener (`onInterrupt`, which the executable runs when the signal comes and then dies of it: src/main/cli.ts) removes
 * the temporary files at once and says what became of the files, and the renames run with nothing awaited between them,
 * so that it runs before the first or after the last: every file the old token, or every file the new one.
 *
 * The CLI's program in this process against a real server on 127.0.0.1; the signal is "sent" (the listener the command
 * set is called, as the executable calls it) the moment the first temporary file appears in `--out`, while the command
 * is still writing. Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, watch } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { webhookConfigWorld } from './support/webhook-config-world.ts';

const w = webhookConfigWorld('ur3');
const TEMPORARY = /^[^.].*\.[0-9a-f]{12}\.tmp$/;

/**
 * `gatehouse ARGS` writing into `dir`, "sent" `signal` when a temporary file of the token first appears there: what
 * the listeners it has set then say, and what `dir` holds once they have run (the executable would die there).
 */
async function interrupted(args: readonly string[], dir: string, signal: string): Promise<{ said: string[] | undefined; left: string[] }> {
  const listeners = new Set<(signal: string) => string>();
  let at: { said: string[]; left: string[] } | undefined;
  const watcher = watch(dir, (_event, name) => {
    if (at !== undefined || name === null || !TEMPORARY.test(name)) return;
    const said = [...listeners].map((say) => say(signal));
    at = { said, left: readdirSync(dir) };
  });
  try {
    await w.gatehouse(args, undefined, {
      onInterrupt: (say) => {
        listeners.add(say);
        return () => void listeners.delete(say);
      },
    });
  } finally {
    watcher.close();
  }
  assert.ok(at !== undefined, 'no temporary file appeared');
  return { said: at.said, left: at.left };
}

describe('review ur3: a signal while webhook-config writes its files leaves no copy of the token', () => {
  it('Ctrl-C into an empty directory: it is said, and nothing of the token is left there', async () => {
    const out = join(w.home, 'out-int');
    await mkdir(out, { mode: 0o700 });
    const r = await interrupted(['kube', 'webhook-config', '--cluster', 'c1', '--out', out], out, 'SIGINT');
    assert.equal(r.said?.length, 1, 'a listener while the files are written');
    assert.match(r.said?.[0] ?? '', /^gatehouse kube webhook-config: interrupted \(SIGINT\) before the files were in place: none of them was written, and no temporary file of the token is left\n$/);
    assert.deepEqual(r.left, []);
  });

  it('SIGTERM with --rotate over files there: they stay as they were, nothing beside them, and the rotation is said', async () => {
    const out = join(w.home, 'out-term');
    const first = await w.gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    const files = (await readdir(out)).sort();
    const old = await w.tokenIn(out);
    const r = await interrupted(['kube', 'webhook-config', '--cluster', 'c1', '--out', out, '--rotate'], out, 'SIGTERM');
    assert.match(r.said?.[0] ?? '', /interrupted \(SIGTERM\) before the files were in place: none of them was written, and no temporary file of the token is left; the webhook token was made anew \(--rotate\), and the one the files held no longer works: run the command again without --rotate/);
    assert.deepEqual(r.left.sort(), files);
    assert.equal(await w.tokenIn(out), old);
  });
});
