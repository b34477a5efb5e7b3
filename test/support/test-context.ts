/**
 * Preloaded into each test file's process by `npm test` (test/run-suite.ts, `--import`): node:test finds the test a
 * piece of code runs for through AsyncLocalStorage instead of an async hook.
 *
 * node:test (Node 24, lib/internal/test_runner/harness.js) keeps a map from async ids to tests, filled by an async
 * hook with `init` and `destroy` callbacks; it asks `testResources.get(executionAsyncId())` which test a `describe`,
 * `it` or hook declared now belongs to, and which test an uncaught exception or unhandled rejection fails. That hook
 * tracks every promise the process makes, and its `destroy` callback makes V8 track each one's collection: in a
 * review group's profile 12% of the process's busy time (promise init and destroy tracking, the hook's own callbacks),
 * and more in the collector. Here, the harness is handed (through the `createHook` and `executionAsyncId` it takes from
 * node:async_hooks when node:test is first loaded, restored at once for every other module) a hook that is never
 * installed, and an `executionAsyncId` that answers the async id of the test whose body, hook or suite function the
 * caller runs under (AsyncLocalStorage, set where the test runs its function: `runInAsyncScope`, as node:test itself
 * does; the store follows promises, timers and callbacks as the hook's map did). The harness's map then holds the
 * tests, registered the first time each is asked for. What a test belongs to, fails or reports is unchanged
 * (test/test-context.test.ts); outside a test's function the real `executionAsyncId` is answered, as before.
 *
 * Loaded before node:test, or it does nothing (said on stderr). A file run on its own (`node --test FILE`) does
 * without it.
 */
import asyncHooks, { AsyncLocalStorage, AsyncResource, type AsyncHook, type HookCallbacks } from 'node:async_hooks';

const current = new AsyncLocalStorage<AsyncResource>();
const realCreateHook = asyncHooks.createHook;
const realExecutionAsyncId = asyncHooks.executionAsyncId;
let register: HookCallbacks['init'] | undefined;
const registered = new WeakSet<AsyncResource>();

/** node:test's Test (and its Suite and TestHook): what runs a test's, suite's or hook's function. */
const isTest = (r: AsyncResource): boolean => {
  const t = r as unknown as { createSubtest?: unknown; runHook?: unknown };
  return typeof t.createSubtest === 'function' && typeof t.runHook === 'function';
};

function harnessCreateHook(callbacks: HookCallbacks): AsyncHook {
  register = callbacks.init;
  const hook: AsyncHook = { enable: () => hook, disable: () => hook };
  return hook;
}

function harnessExecutionAsyncId(): number {
  const test = current.getStore();
  if (test === undefined) return realExecutionAsyncId();
  const id = test.asyncId();
  if (!registered.has(test)) {
    registered.add(test);
    register?.(id, 'Test', 0, test);
  }
  return id;
}

type RunInAsyncScope = (this: AsyncResource, fn: (this: unknown, ...args: unknown[]) => unknown, thisArg?: unknown, ...args: unknown[]) => unknown;
const realRunInAsyncScope = AsyncResource.prototype.runInAsyncScope as RunInAsyncScope;
(AsyncResource.prototype as { runInAsyncScope: RunInAsyncScope }).runInAsyncScope = function runInAsyncScope(fn, thisArg, ...args) {
  if (!isTest(this)) return realRunInAsyncScope.call(this, fn, thisArg, ...args);
  const test = this;
  // Inside the resource's own scope (which restores the context it was made in), so that the store is the test's.
  return realRunInAsyncScope.call(
    this,
    function (this: unknown, ...a: unknown[]) {
      return current.run(test, () => fn.apply(this, a));
    },
    thisArg,
    ...args,
  );
};

const hooks = asyncHooks as { createHook: typeof harnessCreateHook; executionAsyncId: typeof harnessExecutionAsyncId };
hooks.createHook = harnessCreateHook;
hooks.executionAsyncId = harnessExecutionAsyncId;
try {
  await import('node:test');
} finally {
  hooks.createHook = realCreateHook;
  hooks.executionAsyncId = realExecutionAsyncId;
}
