/**
 * who-can lets the server answer others while it asks about each user and role (review qm, 4). A decision is input ×
 * pattern: one about a principal whose policy holds many wildcard resources (`arn:aws:s3:**::*a*b*c*d*N`), on a
 * 2,000-character resource, takes ~10,000,000 steps of the engine (~0.1 s). `POST /v1/who-can` asks about every user and
 * role of the account, each question awaited but answered without I/O, so the event loop never turned: the server's one
 * thread was held until the answer, /healthz (a liveness probe waits 1 s) and every other caller's request with it, for
 * minutes with a thousand users (escalation-paths turned every 2,000 questions, however long they took).
 *
 * Against a real `gatehouse server` (test/support/server.ts), in this process: 4 users with such a policy; who-can is
 * asked about s3:GetObject on a 2,000-character object; once the engine has taken the steps of one question
 * (src/core/iam/work.ts, read here when this process's thread is free: never, before, until who-can was answered),
 * /healthz is asked, and is answered before who-can, whose answer is unchanged (no one). Ordered by steps, not by time.
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

before(async () => {
  server = await startTestServer();
  // As many patterns as a 6,144-character managed policy holds.
  const patterns = Array.from({ length: 198 }, (_, i) => `arn:aws:s3:**::*a*b*c*d*${i}`);
  const p = await server.iam().send(new CreatePolicyCommand({ PolicyName: 'costly', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: patterns }] }) }));
  for (let i = 0; i < 4; i++) {
    await server.iam().send(new CreateUserCommand({ UserName: `costly-${i}` }));
    await server.iam().send(new AttachUserPolicyCommand({ UserName: `costly-${i}`, PolicyArn: p.Policy!.Arn! }));
  }
});

after(async () => {
  await server?.stop();
});

describe('who-can turns the event loop (review qm, 4)', () => {
  it('answers /healthz while who-can asks about costly users', async () => {
    const order: string[] = [];
    const from = engineSteps();
    const who = gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: `arn:aws:s3:::${'abcd'.repeat(500)}q` }).then((r) => {
      order.push('who-can');
      return r;
    });
    // One question's steps taken: this line runs only when the server's thread (this process's) is free.
    while (order.length === 0 && engineSteps() - from < 8_000_000) await sleep(5);
    const health = fetch(`${server.url}/healthz`).then((r) => {
      order.push('healthz');
      return r.status;
    });
    const [answered, status] = await Promise.all([who, health]);
    assert.equal(status, 200);
    assert.equal(answered.status, 200, JSON.stringify(answered.json).slice(0, 300));
    const named = JSON.stringify(answered.json);
    assert.ok(!named.includes('costly-'), named.slice(0, 300));
    assert.deepEqual(order, ['healthz', 'who-can']);
  });
});
