/**
 * Review wc, 1 (a second review of review vw, 1): a pod's first credential request confirms its provisional job in a
 * write of its own (src/app/jobs.ts `confirmPodJob`), before any session is issued. When the answer to that write's
 * COMMIT was lost (PostgreSQL's connection cut as it committed: StoreOutcomeUnknownError), the error went past every
 * catch and the pod's credential endpoint answered 500 "internal error", logging a stack, as for a bug. Yet nothing was
 * issued, and asking again is safe whichever way the COMMIT went (confirmed: the next request issues; not: it confirms
 * again), as review ad, 4 has it for a scoped session's record: the answer is the endpoint's outage answer, 503, which
 * the SDKs and the node agent retry. The outage itself (the write refused: StoreUnavailableError) was already a 503.
 *
 * Real server (SQLite), its store's writes wrapped: the write that moves the job out of `jobprovacct/` fails as the
 * fault says, after committing (COMMIT answer lost) or before (outage).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podAdmissionWorld, type PodAdmissionWorld } from './support/pod-admission.ts';
import type { TestServer } from './support/server.ts';
import { StoreOutcomeUnknownError, StoreUnavailableError, type Store } from '../src/app/ports/store.ts';

let server: TestServer;
let world: PodAdmissionWorld;
/** How the next confirmation write fails (once): its COMMIT answer lost, or the store out of reach. */
let fault: 'lost' | 'unavailable' | undefined;
let fired = 0;

const admit = (name: string) => world.admitted(name);
const fetchCredentials = (name: string) => world.fetchCredentials(name);
const provisional = (name: string) => world.provisional(name);

/** The store's writes, the one that confirms a pod job (deletes its `jobprovacct/` entry) failing as `fault` says. */
function wrapWrites(store: Store): void {
  const real = store.write.bind(store);
  (store as { write: Store['write'] }).write = async (fn, options) => {
    const armed = fault;
    if (armed === undefined) return real(fn, options);
    let confirming = false;
    const value = await real(async (tx, abort) => {
      const kv = new Proxy(tx.kv, {
        get(target, p) {
          const v = Reflect.get(target, p, target) as unknown;
          if (p === 'delete') return async (key: string) => {
            if (key.startsWith('jobprovacct/')) confirming = true;
            return (v as (k: string) => Promise<unknown>).call(target, key);
          };
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const spied = new Proxy(tx, { get: (target, p) => (p === 'kv' ? kv : ((v) => (typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v))(Reflect.get(target, p, target) as unknown)) });
      const out = await fn(spied, abort);
      if (confirming && armed === 'unavailable') {
        fault = undefined;
        fired++;
        throw new StoreUnavailableError('PostgreSQL cannot be reached: connect ECONNREFUSED 127.0.0.1:5432');
      }
      return out;
    }, options);
    if (confirming && armed === 'lost') {
      fault = undefined;
      fired++;
      throw new StoreOutcomeUnknownError('the connection was lost as the transaction committed: it may or may not have been made');
    }
    return value;
  };
}

before(async () => {
  world = await podAdmissionWorld({ maxLiveJobs: 5 });
  server = world.server;
  wrapWrites(server.running.app.deps.store);
});
after(() => server?.stop());

describe('review wc1: a pod’s first credential request whose confirmation cannot be known committed is a 503 to retry', () => {
  it('COMMIT answer lost: 503 (not 500 internal error, nothing logged as a bug); asked again, the credentials', async () => {
    await admit('lost');
    fault = 'lost';
    const first = await fetchCredentials('lost');
    assert.equal(fired, 1, 'the confirmation write failed as armed');
    assert.equal(first.status, 503, first.body);
    assert.doesNotMatch(first.body, /internal error/i);
    assert.equal(server.logs.filter((l) => /internal error/.test(l)).length, 0, server.logs.join('\n'));
    const again = await fetchCredentials('lost');
    assert.equal(again.status, 200, again.body);
    assert.match(again.body, /"AccessKeyId"/);
    assert.equal(await provisional('lost'), false);
  });

  it('the store out of reach as it confirms: 503 too; asked again, the job is confirmed and the credentials served', async () => {
    await admit('outage');
    fault = 'unavailable';
    const first = await fetchCredentials('outage');
    assert.equal(fired, 2, 'the confirmation write failed as armed');
    assert.equal(first.status, 503, first.body);
    assert.equal(await provisional('outage'), true);
    const again = await fetchCredentials('outage');
    assert.equal(again.status, 200, again.body);
    assert.equal(await provisional('outage'), false);
  });
});
