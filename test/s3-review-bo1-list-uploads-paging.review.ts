/**
 * Review bo, 1, against a real server with the real `@aws-sdk/client-s3`: ListMultipartUploads and ListParts page as
 * API_ListMultipartUploads and API_ListParts say.
 *
 * What was wrong: ListMultipartUploads read none of its parameters. `prefix` was ignored (every upload of the bucket
 * came back), so did `delimiter` (no CommonPrefixes), `key-marker` / `upload-id-marker` and `max-uploads`: the answer
 * was always every upload, `MaxUploads` 1000 and `IsTruncated` false, with no `NextKeyMarker`, and `encoding-type=url`
 * was not applied. A cleanup script asking for the uploads under `tmp/` got, and could abort, everything. ListParts
 * took `max-parts=-1` or `abc` without a word (a negative served one part and echoed `MaxParts` -1; `0` and `abc`
 * served 1000) and `part-number-marker=abc` as 0.
 *
 * What is now so: `prefix`, `delimiter` (CommonPrefixes, which share `max-uploads` with the uploads), `key-marker`
 * (uploads of later keys) and with it `upload-id-marker` (also that key's later uploads), `max-uploads` (default 1000,
 * at most 1000), `IsTruncated` with `NextKeyMarker` / `NextUploadIdMarker`, `encoding-type=url`. Uploads come in key
 * order and, for one key, in the order they were initiated; a page's markers stay good when its uploads are aborted
 * before the next page is asked for. A negative `max-uploads`, `max-parts` or `part-number-marker` is S3's 400
 * InvalidArgument "Argument <name> must be an integer between 0 and 2147483647"; one that is not a number or past the
 * 32-bit range, "Provided <name> not an integer or within integer range".
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

/** Starts an upload of each key, in this order, each in a later millisecond than the one before. */
async function start(bucket: string, keys: readonly string[]): Promise<{ key: string; id: string }[]> {
  const out: { key: string; id: string }[] = [];
  for (const key of keys) {
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    out.push({ key, id: UploadId ?? '' });
    await sleep(3);
  }
  return out;
}

const list = (input: Omit<S3.ListMultipartUploadsCommandInput, 'Bucket'> & { Bucket: string }): Promise<S3.ListMultipartUploadsCommandOutput> => c.send(new S3.ListMultipartUploadsCommand(input));
const pairs = (r: S3.ListMultipartUploadsCommandOutput): string[] => (r.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
const prefixes = (r: S3.ListMultipartUploadsCommandOutput): string[] => (r.CommonPrefixes ?? []).map((p) => p.Prefix ?? '');

/** Sends `command` with its query parameter `name` set to `value` as written (the SDK would send only numbers), signed. */
async function withQuery<T>(command: S3.ListMultipartUploadsCommand | S3.ListPartsCommand, name: string, value: string): Promise<T> {
  (command as S3.ListPartsCommand).middlewareStack.add(
    (next) => async (args) => {
      (args.request as { query: Record<string, string> }).query[name] = value;
      return next(args);
    },
    { step: 'build', name: 'rewriteQuery' },
  );
  return (await c.send(command as S3.ListPartsCommand)) as T;
}

async function refusal(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string; argument: unknown; value: unknown }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException & { ArgumentName?: unknown; ArgumentValue?: unknown };
    return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message, argument: err.ArgumentName, value: err.ArgumentValue };
  }
  return assert.fail('expected the request to be refused');
}

describe('ListMultipartUploads: prefix, delimiter, order', () => {
  const B = 'bo1-uploads';
  let all: { key: string; id: string }[];

  before(async () => {
    await c.send(new S3.CreateBucketCommand({ Bucket: B }));
    // Out of key order, and `tmp/x` three times: an upload of one key is listed in the order it was initiated.
    all = await start(B, ['tmp/x', 'logs/2024/a', 'tmp/x', 'c', 'logs/2025/b', 'tmp/y', 'tmp/x', 'logs/top']);
  });

  const sorted = (): string[] => {
    const order = ['c', 'logs/2024/a', 'logs/2025/b', 'logs/top', 'tmp/x', 'tmp/y'];
    return [...all].sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key) || all.indexOf(a) - all.indexOf(b)).map((u) => `${u.key} ${u.id}`);
  };

  it('without parameters: every upload, in key order and, for one key, in the order initiated; MaxUploads 1000', async () => {
    const r = await list({ Bucket: B });
    assert.deepEqual(pairs(r), sorted());
    assert.equal(r.MaxUploads, 1000);
    assert.equal(r.IsTruncated, false);
    assert.equal(r.NextKeyMarker, undefined);
    const initiated = (r.Uploads ?? []).filter((u) => u.Key === 'tmp/x').map((u) => u.Initiated?.getTime() ?? 0);
    assert.deepEqual(initiated, [...initiated].sort((a, b) => a - b));
  });

  it('prefix: only the uploads of keys under it', async () => {
    const r = await list({ Bucket: B, Prefix: 'tmp/' });
    assert.deepEqual(pairs(r), sorted().filter((p) => p.startsWith('tmp/')));
    assert.equal(r.Prefix, 'tmp/');
    assert.deepEqual(pairs(await list({ Bucket: B, Prefix: 'nothing/' })), []);
  });

  it('delimiter: the keys between the prefix and the delimiter are rolled into CommonPrefixes', async () => {
    const top = await list({ Bucket: B, Delimiter: '/' });
    assert.deepEqual(pairs(top), sorted().filter((p) => p.startsWith('c ')));
    assert.deepEqual(prefixes(top), ['logs/', 'tmp/']);
    assert.equal(top.Delimiter, '/');
    const logs = await list({ Bucket: B, Prefix: 'logs/', Delimiter: '/' });
    assert.deepEqual(pairs(logs), sorted().filter((p) => p.startsWith('logs/top ')));
    assert.deepEqual(prefixes(logs), ['logs/2024/', 'logs/2025/']);
  });

  it('key-marker: uploads of later keys; with upload-id-marker, also that key\'s later uploads; upload-id-marker alone is ignored', async () => {
    const x = all.filter((u) => u.key === 'tmp/x');
    assert.deepEqual(pairs(await list({ Bucket: B, KeyMarker: 'tmp/x' })), sorted().filter((p) => p.startsWith('tmp/y ')));
    assert.deepEqual(pairs(await list({ Bucket: B, KeyMarker: 'tmp/x', UploadIdMarker: x[0]!.id })), sorted().filter((p) => p.startsWith('tmp/')).slice(1));
    assert.deepEqual(pairs(await list({ Bucket: B, KeyMarker: 'logs/top', Prefix: 'logs/' })), []);
    assert.deepEqual(pairs(await list({ Bucket: B, UploadIdMarker: x[1]!.id })), sorted());
  });

  it('max-uploads pages through every upload once, with IsTruncated, NextKeyMarker and NextUploadIdMarker (the SDK\'s markers fed back)', async () => {
    for (const max of [1, 2, 3]) {
      const seen: string[] = [];
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      for (let page = 0; ; page++) {
        assert.ok(page < 20, 'paging ends');
        const r = await list({ Bucket: B, MaxUploads: max, ...(KeyMarker ? { KeyMarker } : {}), ...(UploadIdMarker ? { UploadIdMarker } : {}) });
        assert.equal(r.MaxUploads, max);
        assert.ok((r.Uploads ?? []).length <= max);
        seen.push(...pairs(r));
        if (!r.IsTruncated) {
          assert.equal(r.NextKeyMarker, undefined);
          break;
        }
        const last = r.Uploads?.at(-1);
        assert.deepEqual([r.NextKeyMarker, r.NextUploadIdMarker], [last?.Key, last?.UploadId]);
        KeyMarker = r.NextKeyMarker;
        UploadIdMarker = r.NextUploadIdMarker;
      }
      assert.deepEqual(seen, sorted(), `max-uploads ${max}`);
    }
  });

  it('with a delimiter, a common prefix takes a place of the page and is not listed again on the next', async () => {
    const entries: string[] = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (let page = 0; ; page++) {
      assert.ok(page < 10, 'paging ends');
      const r = await list({ Bucket: B, Delimiter: '/', MaxUploads: 1, ...(KeyMarker ? { KeyMarker } : {}), ...(UploadIdMarker ? { UploadIdMarker } : {}) });
      assert.equal(pairs(r).length + prefixes(r).length, 1);
      entries.push(...pairs(r).map((p) => p.split(' ')[0]!), ...prefixes(r));
      if (!r.IsTruncated) break;
      KeyMarker = r.NextKeyMarker;
      UploadIdMarker = r.NextUploadIdMarker;
      if (prefixes(r).length > 0) assert.deepEqual([r.NextKeyMarker, r.NextUploadIdMarker], [prefixes(r)[0], undefined]);
    }
    assert.deepEqual(entries, ['c', 'logs/', 'tmp/']);
  });

  it('max-uploads above 1000 is served at 1000; 0 is an empty page', async () => {
    const big = await list({ Bucket: B, MaxUploads: 5000 });
    assert.equal(big.MaxUploads, 1000);
    assert.deepEqual(pairs(big), sorted());
    const none = await list({ Bucket: B, MaxUploads: 0 });
    assert.deepEqual([pairs(none), none.IsTruncated, none.MaxUploads], [[], false, 0]);
  });

  it('encoding-type=url: keys, prefixes and markers come back URL-encoded', async () => {
    const E = 'bo1-encoded';
    await c.send(new S3.CreateBucketCommand({ Bucket: E }));
    await start(E, ['dir one/a b+c.txt', 'dir one/sub dir/d', 'plain']);
    const r = await list({ Bucket: E, Prefix: 'dir one/', Delimiter: '/', EncodingType: 'url', MaxUploads: 1 });
    assert.equal(r.EncodingType, 'url');
    assert.equal(r.Prefix, 'dir+one/');
    assert.deepEqual((r.Uploads ?? []).map((u) => u.Key), ['dir+one/a+b%2Bc.txt']);
    assert.equal(r.NextKeyMarker, 'dir+one/a+b%2Bc.txt');
    const next = await list({ Bucket: E, Prefix: 'dir one/', Delimiter: '/', EncodingType: 'url', KeyMarker: 'dir one/a b+c.txt', UploadIdMarker: r.NextUploadIdMarker ?? '' });
    assert.equal(next.KeyMarker, 'dir+one/a+b%2Bc.txt');
    assert.deepEqual(prefixes(next), ['dir+one/sub+dir/']);
    const bad = await refusal(withQuery(new S3.ListMultipartUploadsCommand({ Bucket: E }), 'encoding-type', 'base64'));
    assert.deepEqual([bad.name, bad.status], ['InvalidArgument', 400]);
  });
});

describe('ListMultipartUploads: markers of aborted uploads', () => {
  it('a page whose uploads were aborted before the next page was asked for: the next page has every remaining upload', async () => {
    const B = 'bo1-abort-while-paging';
    await c.send(new S3.CreateBucketCommand({ Bucket: B }));
    const all = await start(B, ['k', 'k', 'k', 'k', 'l', 'm']);
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    const aborted: string[] = [];
    for (let page = 0; ; page++) {
      assert.ok(page < 10, 'paging ends');
      const r = await list({ Bucket: B, MaxUploads: 2, ...(KeyMarker ? { KeyMarker } : {}), ...(UploadIdMarker ? { UploadIdMarker } : {}) });
      for (const u of r.Uploads ?? []) {
        await c.send(new S3.AbortMultipartUploadCommand({ Bucket: B, Key: u.Key, UploadId: u.UploadId }));
        aborted.push(`${u.Key} ${u.UploadId}`);
      }
      if (!r.IsTruncated) break;
      KeyMarker = r.NextKeyMarker;
      UploadIdMarker = r.NextUploadIdMarker;
    }
    assert.deepEqual(aborted, all.map((u) => `${u.key} ${u.id}`));
    assert.deepEqual(pairs(await list({ Bucket: B })), []);
  });
});

describe('ListMultipartUploads and ListParts: max-uploads, max-parts and part-number-marker S3 does not take', () => {
  const B = 'bo1-invalid';
  let UploadId: string;

  before(async () => {
    await c.send(new S3.CreateBucketCommand({ Bucket: B }));
    ({ UploadId = '' } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'k' })));
  });

  it('negative: "Argument <name> must be an integer between 0 and 2147483647"', async () => {
    const cases: [string, Promise<unknown>][] = [
      ['max-uploads', list({ Bucket: B, MaxUploads: -1 })],
      ['max-parts', c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'k', UploadId, MaxParts: -5 }))],
      ['part-number-marker', c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'k', UploadId, PartNumberMarker: '-2' }))],
    ];
    for (const [name, p] of cases) {
      const r = await refusal(p);
      assert.deepEqual([r.name, r.status, r.message, r.argument], ['InvalidArgument', 400, `Argument ${name} must be an integer between 0 and 2147483647`, name], name);
    }
  });

  it('not a number, or past the 32-bit range: "Provided <name> not an integer or within integer range"', async () => {
    for (const value of ['abc', '2147483648', '+5', '1.5']) {
      const cases: [string, Promise<unknown>][] = [
        ['max-uploads', withQuery(new S3.ListMultipartUploadsCommand({ Bucket: B }), 'max-uploads', value)],
        ['max-parts', withQuery(new S3.ListPartsCommand({ Bucket: B, Key: 'k', UploadId }), 'max-parts', value)],
        ['part-number-marker', c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'k', UploadId, PartNumberMarker: value }))],
      ];
      for (const [name, p] of cases) {
        const r = await refusal(p);
        assert.deepEqual([r.name, r.status, r.message, r.argument, r.value], ['InvalidArgument', 400, `Provided ${name} not an integer or within integer range`, name, value], `${name}=${value}`);
      }
    }
  });

  it('leading zeros are read as the number they write', async () => {
    const r = await withQuery<S3.ListMultipartUploadsCommandOutput>(new S3.ListMultipartUploadsCommand({ Bucket: B }), 'max-uploads', '007');
    assert.equal(r.MaxUploads, 7);
  });
});

describe('ListParts paging', () => {
  it('max-parts and part-number-marker page the parts; NextPartNumberMarker and IsTruncated say where the next page starts', async () => {
    const B = 'bo1-parts';
    await c.send(new S3.CreateBucketCommand({ Bucket: B }));
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'p' }));
    for (const PartNumber of [1, 2, 3, 5, 8]) await c.send(new S3.UploadPartCommand({ Bucket: B, Key: 'p', UploadId, PartNumber, Body: `part ${PartNumber}` }));
    const pages: [number[], boolean | undefined, string | undefined][] = [];
    for await (const page of S3.paginateListParts({ client: c, pageSize: 2 }, { Bucket: B, Key: 'p', UploadId })) {
      pages.push([(page.Parts ?? []).map((p) => p.PartNumber ?? 0), page.IsTruncated, page.NextPartNumberMarker]);
      assert.equal(page.MaxParts, 2);
    }
    assert.deepEqual(pages, [
      [[1, 2], true, '2'],
      [[3, 5], true, '5'],
      [[8], false, undefined],
    ]);
    const rest = await c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'p', UploadId, PartNumberMarker: '3' }));
    assert.deepEqual([(rest.Parts ?? []).map((p) => p.PartNumber), rest.PartNumberMarker, rest.MaxParts, rest.IsTruncated], [[5, 8], '3', 1000, false]);
    const capped = await c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'p', UploadId, MaxParts: 5000 }));
    assert.deepEqual([(capped.Parts ?? []).length, capped.MaxParts], [5, 1000]);
    const none = await c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'p', UploadId, MaxParts: 0 }));
    assert.deepEqual([none.Parts ?? [], none.MaxParts, none.IsTruncated], [[], 0, false]);
  });
});
