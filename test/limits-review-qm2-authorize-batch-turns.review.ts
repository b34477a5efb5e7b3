/**
 * An authorize batch lets the server answer others while it is decided (review qm, 2). A decision is input × pattern:
 * one about a principal whose policies hold many wildcard resources (`arn:aws:s3:**::*a*b*c*d*N`), on a 2,000-character
 * resource, takes ~10,000,000 steps of the engine with one such policy and ~1 s with ten. `POST /v1/authorize:batch`
 * decided its up to 1,000 questions without letting the event loop turn, so the server's one thread was held for the
 * whole batch: /healthz (a liveness probe waits 1 s) and every other caller's request went unanswered until it ended.
 *
 * Against a real `gatehouse server` (test/support/server.ts), in this process: a batch of 8 such questions is sent; once
 * the engine has taken the steps of one of them (src/core/iam/work.ts, read here when this process's thread is free:
 * never, before, until the batch was answered), /healthz is asked, and is answered before the batch, whose answers are
 * all there. Ordered by the steps, not by time.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AttachUserPolicyCommand, CreatePolicyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { engineSteps } from '../src/core/iam/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let userArn: string;

before(async () => {
  server = await startTestServer();
  userArn = (await server.iam().send(new CreateUserCommand({ UserName: 'costly' }))).User!.Arn!;
  // As many patterns as a 6,144-character managed policy holds.
  const patterns = Array.from({ length: 198 }, (_, i) => `arn:aws:s3:**::*a*b*c*d*${i}`);
  const p = await server.iam().send(new CreatePolicyCommand({ PolicyName: 'costly', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: patterns }] }) }));
  await server.iam().send(new AttachUserPolicyCommand({ UserName: 'costly', PolicyArn: p.Policy!.Arn! }));
});

after(async () => {
  await server?.stop();
});

describe('authorize batch turns the event loop (review qm, 2)', () => {
  it('answers /healthz while a costly batch is decided', async () => {
    const long = `arn:aws:s3:::${'abcd'.repeat(500)}`;
    const requests = Array.from({ length: 8 }, (_, i) => ({ principal: userArn, action: 's3:GetObject', resource: `${long}${"qrstuvwx"[i]}` }));
    const order: string[] = [];
    const from = engineSteps();
    const batch = gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', { requests }).then((r) => {
      order.push('batch');
      return r;
    });
    // One question's steps taken: this line runs only when the server's thread (this process's) is free.
    while (order.length === 0 && engineSteps() - from < 8_000_000) await sleep(5);
    const health = fetch(`${server.url}/healthz`).then((r) => {
      order.push('healthz');
      return r.status;
    });
    const [answered, status] = await Promise.all([batch, health]);
    assert.equal(status, 200);
    assert.equal(answered.status, 200, JSON.stringify(answered.json).slice(0, 300));
    const results = (answered.json as { results?: { decision?: string }[] }).results;
    assert.deepEqual(results?.map((r) => r.decision), Array(8).fill('ImplicitDeny'), JSON.stringify(answered.json).slice(0, 300));
    assert.deepEqual(order, ['healthz', 'batch']);
  });
});
