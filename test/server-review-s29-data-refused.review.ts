/**
 * Stop 29 (left by review ax): a request whose value the database refuses for what it holds (PostgreSQL's classes 22
 * and 54: an index entry past 2,704 bytes, a value its type cannot hold) reached the edge as an unexpected error and
 * was answered 500 InternalFailure, as the Query APIs' XML even on the admin API's JSON routes: a client retried the
 * same request for ever, and an admin API client could not read the answer. Now such a refusal is 400 ValidationError
 * (JSON on /v1/, XML on the Query API), saying the database refused a value, without the value, and nothing is written;
 * a bug's 500 on /v1/ is JSON too. The refusal is staged with a trigger raising SQLSTATE 22023 for one user name.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer } from './support/server.ts';

describe('stop 29: a value the database refuses is a 400, not a 500', () => {
  it('admin API (JSON) and IAM Query API (XML) answer ValidationError; nothing is written', { timeout: 90_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_s29_refused_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const server = await startTestServer({ postgres: { url: PG_URL, schema } });
    try {
      await pgAdmin(async (c) => {
        await c.query(`CREATE FUNCTION ${schema}.s29_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF NEW.name LIKE 'poison%' THEN RAISE EXCEPTION 'value "%" is refused', NEW.name USING ERRCODE = '22023'; END IF;
            RETURN NEW;
          END $$`);
        await c.query(`CREATE TRIGGER s29_refuse BEFORE INSERT ON ${schema}.users FOR EACH ROW EXECUTE FUNCTION ${schema}.s29_refuse()`);
      });
      const made = await gatehouseJson(server.url, server.admin, 'POST', '/v1/users', { name: 'poison1' });
      // Before: 500, and the body was XML (gatehouseJson read no JSON error from it).
      assert.equal(made.status, 400, JSON.stringify(made.json));
      const error = made.json['error'] as { code: string; message: string };
      assert.equal(error.code, 'ValidationError');
      assert.match(error.message, /The database refused a value of this request \(value "\.\.\." is refused\); nothing was changed/);
      assert.ok(!error.message.includes('poison1'), 'the value is not echoed');

      const iam = server.iam();
      await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'poison2' })), (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'ValidationError');
        assert.equal(e.$metadata?.httpStatusCode, 400);
        return true;
      });
      await assert.rejects(iam.send(new GetUserCommand({ UserName: 'poison1' })), /NoSuchEntity|cannot be found/);
      assert.equal((await gatehouseJson(server.url, server.admin, 'POST', '/v1/users', { name: 'fine' })).status, 201);
      assert.ok(server.logs.some((l) => l.includes('refused by the database (22023)')), server.logs.join('\n'));
    } finally {
      await server.stop();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
