/**
 * Review ak, finding 4: an object defined twice across files was refused with "also defined by document 1", an index
 * counted across all the files given: `b.yaml:5:16: document 2 (User x): … also defined by document 1` sent the reader
 * to b.yaml's first document, a Group, when the other definition was a.yaml's. Now the other document is named as the
 * files number it (`a.yaml` document 1); without sources (a bare /v1 call) the index stays. The /v1 client against a
 * real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const doc = (kind: string, name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name } });

describe('review ak4: a duplicate across files names the file of the other definition', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('`a.yaml` document 1, not "document 1"; with no sources, the index in documents', async () => {
    const documents = [doc('User', 'x'), doc('Group', 'g'), doc('User', 'X')];
    const withSources = await call(connectionTo(s.url, s.admin), 'POST', ['apply'], {
      body: { documents, sources: [{ file: 'a.yaml', index: 0 }, { file: 'b.yaml', index: 0 }, { file: 'b.yaml', index: 1 }], dryRun: true },
    });
    assert.ok(!withSources.ok);
    assert.deepEqual(
      withSources.errors.map((e) => [e['file'], e['fileDocument'], e.path, e.message]),
      [['b.yaml', 1, 'metadata.name', 'User `X` of account 000000000000 is also defined by `a.yaml` document 1; define each object once']],
    );
    const bare = await call(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents, dryRun: true } });
    assert.ok(!bare.ok);
    assert.equal(bare.errors[0]?.message, 'User `X` of account 000000000000 is also defined by document 1; define each object once');
  });
});
