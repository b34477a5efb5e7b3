/**
 * Review hm, 3: `jobs list --limit N`, `jobs events ID --limit N`, `iam-policy list --limit N` and `resource-policies
 * list --limit N` printed, as a table, the first N items and nothing else when more followed: the `next` to go on from
 * was in the `--json` answer only, so the table read as the whole listing (the N+1st job never mentioned), where `audit
 * query` cut at `--limit` says so on stderr with the cursor to go on from. Now each says it likewise: `gatehouse: stopped
 * at --limit N; more jobs follow: go on with --next TOKEN (or raise --limit)`, and going on with it lists the rest. A
 * listing that ends within the limit says nothing; `--json` keeps its `next` and stderr empty.
 *
 * The CLI in this process against a real server on 127.0.0.1 (jobs submitted as the CLI submits them, nothing launched).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { connectionAs } from './support/default-role-jobs.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import type { TestServer } from './support/server.ts';

describe('hm3: a listing cut at --limit says so, and how to go on', () => {
  let s: TestServer;
  let home: string;
  let stop: (() => Promise<void>) | undefined;
  const jobs: string[] = [];
  before(async () => {
    ({ server: s, home, stop } = await startWorkspaceServer('gh-hm3-'));
    for (let i = 0; i < 3; i++) {
      const r = await call<{ job: { id: string } }>(connectionAs(s, s.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'none', imds: false } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      jobs.push(r.value.job.id);
    }
    // Stopped: the job's events are more than its submission.
    assert.equal((await cli(['jobs', 'stop', jobs[0] as string])).code, 0);
    await writeFile(join(home, 'bucket.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"*"}]}');
    await writeFile(join(home, 'bindings.json'), '{"bindings":[{"role":"roles/viewer","members":["user:admin"]}]}');
    for (const n of [1, 2, 3]) {
      assert.equal((await cli(['resource-policies', 'put', `arn:aws:s3:::hm3-${n}`, '--file', 'bucket.json'])).code, 0);
      assert.equal((await cli(['iam-policy', 'set', `arn:aws:training::000000000000:model/hm3-${n}`, '--file', 'bindings.json'])).code, 0);
    }
  });
  after(async () => stop?.());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home }, { cwd: home });
  const said = (stderr: string, noun: string, option: string, limit = 2): string => {
    const m = new RegExp(`^gatehouse: stopped at --limit ${limit}; more ${noun} follow: go on with ${option} (\\S+) \\(or raise --limit\\)\\n$`).exec(stderr);
    assert.ok(m, `no word of the rest: ${JSON.stringify(stderr)}`);
    return m[1] as string;
  };

  it('jobs list: the third job is said to follow, and --next lists it', async () => {
    const r = await cli(['jobs', 'list', '--limit', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 3, r.stdout);
    const next = said(r.stderr, 'jobs', '--next');
    const rest = await cli(['jobs', 'list', '--next', next]);
    assert.equal(rest.code, 0, rest.stderr);
    assert.equal(rest.stderr, '');
    // The two pages hold the three jobs, each once.
    const ids = (out: string) => out.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    assert.deepEqual([...ids(r.stdout), ...ids(rest.stdout)].sort(), [...jobs].sort());
    // Within the limit, or as JSON: nothing on stderr.
    assert.equal((await cli(['jobs', 'list', '--limit', '3'])).stderr, '');
    const json = await cli(['jobs', 'list', '--limit', '2', '--json']);
    assert.equal(json.stderr, '');
    assert.equal(typeof (JSON.parse(json.stdout) as { next?: string }).next, 'string');
  });

  it('resource-policies list and iam-policy list: --after the last one listed', async () => {
    const rp = await cli(['resource-policies', 'list', '--limit', '2']);
    assert.equal(rp.code, 0, rp.stderr);
    assert.equal(said(rp.stderr, 'policies', '--after'), 'arn:aws:s3:::hm3-2');
    const ip = await cli(['iam-policy', 'list', '--limit', '2']);
    assert.equal(ip.code, 0, ip.stderr);
    const after = said(ip.stderr, 'policies', '--after');
    const rest = await cli(['iam-policy', 'list', '--after', after]);
    assert.match(rest.stdout, /model\/hm3-3/);
    assert.doesNotMatch(rest.stdout, /model\/hm3-2/);
  });

  it('jobs events: --after the last event listed', async () => {
    const all = await cli(['jobs', 'events', jobs[0] as string, '--json']);
    const events = (JSON.parse(all.stdout) as { events: { seq: number }[] }).events;
    assert.equal(events.length, 2, all.stdout);
    const r = await cli(['jobs', 'events', jobs[0] as string, '--limit', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(said(r.stderr, 'events', '--after', 1), '1');
    const rest = await cli(['jobs', 'events', jobs[0] as string, '--after', '1']);
    assert.match(rest.stdout, /\n2 +\S+ +ended /);
    assert.equal((await cli(['jobs', 'events', jobs[0] as string, '--limit', '2'])).stderr, '');
  });
});
