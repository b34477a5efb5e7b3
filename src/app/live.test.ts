import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { followChanges, scopeOf, KEYRING_KV } from './live.ts';
import type { ChangeListener, ChangeRecord } from './ports/store.ts';

const change = (seq: number, kind: ChangeRecord['kind'], key: string): ChangeRecord => ({ seq, kind, key, op: 'put', at: '2026-01-01T00:00:00Z' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Waits until `ok()` holds, failing after `ms`. A fixed sleep before a positive assertion fails whenever the
 * process is held off the CPU past the sleep (a loaded 2-core CI): the refresh's own timer then fires in the
 * same turn as the test's, too late. The polls here are 60 s apart, so within 5 s only what is tested can act.
 */
async function until(ok: () => boolean, what: string, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(5)) if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
}

describe('scopeOf: what a run of changes touches', () => {
  it('names the principals, groups, policies and keys a change touches', () => {
    const s = scopeOf([
      change(1, 'role', '111111111111/trainer'),
      change(2, 'group-member', '111111111111/readers/alice'),
      change(3, 'attachment', '111111111111/user/bob'),
      change(4, 'inline-policy', '111111111111/role/worker/list'),
      change(5, 'access-key', 'AKIAEXAMPLE'),
      change(6, 'kv', 'job/123'),
    ]);
    assert.deepEqual([...s.principals].sort(), ['role:111111111111/trainer', 'role:111111111111/worker', 'user:111111111111/alice', 'user:111111111111/bob']);
    assert.deepEqual([...s.accessKeys], ['AKIAEXAMPLE']);
    assert.deepEqual([s.keys, s.revocations, s.everything, s.accounts.size, s.groups.size, s.policies.size], [false, false, false, 0, 0, 0]);
  });

  it('a group (or its policies) names the group; an account, the account', () => {
    const s = scopeOf([change(1, 'attachment', '111111111111/group/readers'), change(2, 'group', '222222222222/ops'), change(3, 'account', '333333333333')]);
    assert.deepEqual([...s.groups].sort(), ['111111111111/readers', '222222222222/ops']);
    assert.deepEqual([...s.accounts], ['333333333333']);
    assert.equal(s.everything, false);
  });

  it('a managed policy names the policy (not every principal); the key ring and revocations by their keys; an unknown kind, everything', () => {
    const p = scopeOf([change(1, 'policy', '111111111111/p')]);
    assert.deepEqual([[...p.policies], p.principals.size, p.everything], [['111111111111/p'], 0, false]);
    const s = scopeOf([change(1, 'kv', KEYRING_KV), change(2, 'kv', 'revoke/sid/x')]);
    assert.deepEqual([s.keys, s.revocations, s.everything], [true, true, false]);
    assert.equal(scopeOf([change(1, 'something-new' as ChangeRecord['kind'], 'x')]).everything, true);
  });
});

describe('followChanges', () => {
  function harness(options: { refreshMs?: number } = {}) {
    let head = 0;
    let committed = 0;
    let refreshes = 0;
    let listener: ChangeListener | undefined;
    let closed = false;
    const logs: string[] = [];
    // A refresh reads the committed head at its start, as a snapshot does, and applies it at its end; calls made
    // while one runs share it, as LiveState.refresh does.
    let inflight: Promise<void> | undefined;
    const refresh = (): Promise<void> =>
      (inflight ??= (async () => {
        refreshes++;
        const seen = committed;
        await sleep(options.refreshMs ?? 1);
        head = seen;
      })().finally(() => (inflight = undefined)));
    const following = followChanges({
      refresh,
      head: () => head,
      subscribe: (l) => {
        listener = l;
        return {
          close: async () => {
            closed = true;
          },
        };
      },
      log: (line) => void logs.push(line),
      pollMs: 60_000,
      fallbackPollMs: 60_000,
    });
    return {
      following,
      refresh,
      logs,
      commit: () => ++committed,
      get head() {
        return head;
      },
      get refreshes() {
        return refreshes;
      },
      get closed() {
        return closed;
      },
      get listener() {
        assert.ok(listener);
        return listener;
      },
    };
  }

  it('refreshes on a notification of a change not yet applied, and not for one already applied', async () => {
    const h = harness();
    h.listener.onState(true, {});
    await sleep(20);
    const before = h.refreshes;
    h.listener.onChange(0);
    await sleep(20);
    assert.equal(h.refreshes, before);
    h.listener.onChange(h.commit());
    await until(() => h.head === 1, 'the notified change applied');
    await h.following.stop();
    assert.equal(h.closed, true);
  });

  it('a notification arriving during a refresh begun before that commit is not lost', async () => {
    const h = harness({ refreshMs: 30 });
    h.listener.onState(true, {});
    await sleep(5);
    // The catch-up refresh is running on the old snapshot; a commit is announced meanwhile.
    h.listener.onChange(h.commit());
    await until(() => h.head === 1, 'the change announced during the refresh applied');
    await h.following.stop();
  });

  it('a notification joined to a refresh begun elsewhere on an older snapshot (a local write) is not lost', async () => {
    const h = harness({ refreshMs: 30 });
    h.listener.onState(true, {});
    await sleep(50);
    void h.refresh();
    h.listener.onChange(h.commit());
    await until(() => h.head === 1, 'the change announced during the refresh applied');
    await h.following.stop();
  });

  it('catches up on every reconnect, and says when notifications are lost and back (once each)', async () => {
    const h = harness();
    h.listener.onState(true, {});
    await sleep(10);
    h.listener.onState(false, { reason: 'connection reset' });
    h.commit();
    h.listener.onState(false, { reason: 'connection refused' });
    h.listener.onState(true, {});
    await until(() => h.head === 1, 'the change committed while the channel was down picked up on reconnect');
    assert.deepEqual(
      h.logs.map((l) => l.split(':')[0]),
      ['change notifications lost, polling every 60000 ms until the listening connection is back', 'change notifications'],
    );
    await h.following.stop();
  });

  it('a database without notifications is said once, and polled at the fallback rate', async () => {
    let listener: ChangeListener | undefined;
    let refreshes = 0;
    const logs: string[] = [];
    const following = followChanges({
      refresh: async () => void refreshes++,
      head: () => 0,
      subscribe: (l) => ((listener = l), { close: async () => undefined }),
      log: (line) => void logs.push(line),
      pollMs: 60_000,
      fallbackPollMs: 20,
    });
    assert.ok(listener);
    listener.onState(false, { reason: 'unimplemented: LISTEN', permanent: true });
    listener.onState(false, { reason: 'unimplemented: LISTEN', permanent: true });
    // At the fallback rate (20 ms), not the 60 s one.
    await until(() => refreshes >= 3, `three refreshes (${refreshes} so far)`);
    await following.stop();
    assert.deepEqual(logs, ['change notifications unavailable, polling the change head every 20 ms: unimplemented: LISTEN']);
  });

  it('without notifications (none in this store), polls at the fallback rate', async () => {
    let refreshes = 0;
    const following = followChanges({
      refresh: async () => void refreshes++,
      head: () => 0,
      log: () => undefined,
      pollMs: 60_000,
      fallbackPollMs: 20,
    });
    await until(() => refreshes >= 3, `three refreshes at the fallback rate (${refreshes} so far)`);
    await following.stop();
    assert.equal(following.listening(), false);
  });
});
