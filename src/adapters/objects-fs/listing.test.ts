import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, compareUploads, insertKey, listPage, removeKey, uploadsPage, type PageQuery, type UploadsQuery } from './listing.ts';

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('objects-fs listing: key order', () => {
  it('orders keys by their UTF-8 bytes, not by UTF-16 code units', () => {
    // U+FFFF (EF BF BF) comes before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16 (0xFFFF > 0xD83D).
    const keys = ['a', 'b/', 'b/c', 'b0', 'é', 'ﬀ', '😀', '\uffff', 'z', '', 'a\u0000', '\ue000', '\ud7ff', 'Z'];
    const ours = [...keys].sort(compareKeys);
    assert.deepEqual(ours, [...keys].sort(byBytes));
    assert.notDeepEqual([...keys].sort(), ours, 'the default sort differs, so this table tests something');
  });

  it('agrees with byte order on random strings', () => {
    const alphabet = ['a', 'b', '/', '-', 'é', '\ud7ff', '\ue000', '\uffff', '😀', '𝄞', '\u0000'];
    for (let n = 0; n < 2000; n++) {
      const make = (): string => Array.from({ length: Math.floor(Math.random() * 5) }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
      const a = make();
      const b = make();
      assert.equal(Math.sign(compareKeys(a, b)), Math.sign(byBytes(a, b)), JSON.stringify([a, b]));
    }
  });

  it('inserts and removes keeping the order', () => {
    const keys: string[] = [];
    for (const k of ['m', 'a', 'z', '😀', '\uffff', 'm']) insertKey(keys, k);
    assert.deepEqual(keys, ['a', 'm', 'z', '\uffff', '😀']);
    assert.equal(removeKey(keys, 'm'), true);
    assert.equal(removeKey(keys, 'm'), false);
    assert.deepEqual(keys, ['a', 'z', '\uffff', '😀']);
  });
});

describe('objects-fs listing: ListObjectsV2 pages', () => {
  const keys = [
    'a.txt',
    'photos/2024/jan/1.jpg',
    'photos/2024/jan/2.jpg',
    'photos/2024/feb/1.jpg',
    'photos/2025/x.jpg',
    'photos/index.html',
    'photos/ünïcode/ok.jpg',
    'photos/😀.jpg',
    'readme',
    'videos/a.mp4',
    'videos/b.mp4',
    'z/',
  ].sort(compareKeys);

  const table: [string, PageQuery, { keys: string[]; prefixes: string[]; truncated: boolean; next?: string }][] = [
    ['everything', {}, { keys, prefixes: [], truncated: false }],
    ['top level with a delimiter', { delimiter: '/' }, { keys: ['a.txt', 'readme'], prefixes: ['photos/', 'videos/', 'z/'], truncated: false }],
    [
      'prefix and delimiter',
      { prefix: 'photos/', delimiter: '/' },
      { keys: ['photos/index.html', 'photos/😀.jpg'], prefixes: ['photos/2024/', 'photos/2025/', 'photos/ünïcode/'], truncated: false },
    ],
    ['prefix that is not a directory', { prefix: 'photos/2024/j' }, { keys: ['photos/2024/jan/1.jpg', 'photos/2024/jan/2.jpg'], prefixes: [], truncated: false }],
    ['prefix matching nothing', { prefix: 'q' }, { keys: [], prefixes: [], truncated: false }],
    ['max-keys counts prefixes too', { delimiter: '/', maxKeys: 2 }, { keys: ['a.txt'], prefixes: ['photos/'], truncated: true, next: 'photos/' }],
    ['continuing after a common prefix skips all of it', { delimiter: '/', maxKeys: 2, after: 'photos/' }, { keys: ['readme'], prefixes: ['videos/'], truncated: true, next: 'videos/' }],
    ['last page', { delimiter: '/', maxKeys: 2, after: 'videos/' }, { keys: [], prefixes: ['z/'], truncated: false }],
    ['continuation after a key', { prefix: 'videos/', after: 'videos/a.mp4' }, { keys: ['videos/b.mp4'], prefixes: [], truncated: false }],
    ['start-after before the prefix', { prefix: 'videos/', after: 'a' }, { keys: ['videos/a.mp4', 'videos/b.mp4'], prefixes: [], truncated: false }],
    ['start-after past everything', { after: 'zz' }, { keys: [], prefixes: [], truncated: false }],
    ['exactly max-keys left is not truncated', { prefix: 'videos/', maxKeys: 2 }, { keys: ['videos/a.mp4', 'videos/b.mp4'], prefixes: [], truncated: false }],
    ['max-keys 1', { prefix: 'videos/', maxKeys: 1 }, { keys: ['videos/a.mp4'], prefixes: [], truncated: true, next: 'videos/a.mp4' }],
    ['max-keys above 1000 is 1000', { maxKeys: 5000 }, { keys, prefixes: [], truncated: false }],
    ['max-keys 0', { maxKeys: 0 }, { keys: [], prefixes: [], truncated: false }],
    ['multi-character delimiter', { delimiter: '20', prefix: 'photos/' }, { keys: ['photos/index.html', 'photos/ünïcode/ok.jpg', 'photos/😀.jpg'], prefixes: ['photos/20'], truncated: false }],
    ['a key equal to a common prefix is rolled up', { delimiter: '/', prefix: 'z' }, { keys: [], prefixes: ['z/'], truncated: false }],
    // A remainder one character shorter than the delimiter is no common prefix (review ep, 2: `videos/a.m` was skipped).
    ['continuing after a key one character shorter than the delimiter', { delimiter: '.m', prefix: 'videos/', after: 'videos/a' }, { keys: [], prefixes: ['videos/a.m', 'videos/b.m'], truncated: false }],
  ];

  for (const [name, query, expected] of table) {
    it(name, () => {
      const page = listPage(keys, query);
      assert.deepEqual({ keys: page.keys, prefixes: page.prefixes, truncated: page.truncated, ...(page.next === undefined ? {} : { next: page.next }) }, expected);
    });
  }

  it('pages through everything exactly once, whatever the page size', () => {
    for (const delimiter of [undefined, '/']) {
      for (let maxKeys = 1; maxKeys <= 5; maxKeys++) {
        const seen: string[] = [];
        let after: string | undefined;
        for (let guard = 0; guard < 100; guard++) {
          const page = listPage(keys, { maxKeys, ...(delimiter === undefined ? {} : { delimiter }), ...(after === undefined ? {} : { after }) });
          seen.push(...page.keys, ...page.prefixes);
          if (!page.truncated) break;
          after = page.next;
        }
        const all = listPage(keys, delimiter === undefined ? {} : { delimiter });
        assert.deepEqual(seen.sort(compareKeys), [...all.keys, ...all.prefixes].sort(compareKeys), `maxKeys ${maxKeys} delimiter ${delimiter}`);
      }
    }
  });

  it('lists 100k keys quickly: a page costs a binary search, not a scan', () => {
    const many: string[] = [];
    for (let d = 0; d < 100; d++) for (let f = 0; f < 1000; f++) many.push(`data/shard-${String(d).padStart(3, '0')}/file-${String(f).padStart(4, '0')}.bin`);
    many.sort(compareKeys);
    // This thread's CPU time, not the wall clock: a CI run beside other sessions on two cores read 1,944 ms of wall time
    // for what takes ~30 ms of CPU.
    const cpuMs = (t: { user: number; system: number }): number => (t.user + t.system) / 1000;
    const t0 = cpuMs(process.threadCpuUsage());
    let pages = 0;
    let after: string | undefined;
    let count = 0;
    for (;;) {
      const page = listPage(many, { prefix: 'data/', maxKeys: 1000, ...(after === undefined ? {} : { after }) });
      pages++;
      count += page.keys.length;
      if (!page.truncated) break;
      after = page.next;
    }
    const full = cpuMs(process.threadCpuUsage()) - t0;
    assert.equal(count, 100_000);
    assert.equal(pages, 100);
    const t1 = cpuMs(process.threadCpuUsage());
    const dirs = listPage(many, { prefix: 'data/', delimiter: '/' });
    const rolled = cpuMs(process.threadCpuUsage()) - t1;
    assert.equal(dirs.prefixes.length, 100);
    // Generous bounds; in practice ~30 ms and ~1 ms of CPU.
    assert.ok(full < 1000, `100 pages took ${full} ms of CPU`);
    assert.ok(rolled < 50, `rolling up 100k keys into 100 prefixes took ${rolled} ms of CPU`);
  });
});

describe('objects-fs listing: ListMultipartUploads pages', () => {
  const uploads = [
    { key: 'b/x', uploadId: '02' },
    { key: 'a', uploadId: '01' },
    { key: 'b/x', uploadId: '01' },
    { key: 'b/y', uploadId: '03' },
    { key: 'c', uploadId: '09' },
  ].sort(compareUploads);
  const names = (q: UploadsQuery): [string[], string[], boolean, string | undefined, string | undefined] => {
    const p = uploadsPage(uploads, q);
    return [p.uploads.map((u) => `${u.key}#${u.uploadId}`), [...p.prefixes], p.truncated, p.nextKeyMarker, p.nextUploadIdMarker];
  };
  const cases: [string, UploadsQuery, ReturnType<typeof names>][] = [
    ['everything, by key then id', {}, [['a#01', 'b/x#01', 'b/x#02', 'b/y#03', 'c#09'], [], false, undefined, undefined]],
    ['prefix', { prefix: 'b/' }, [['b/x#01', 'b/x#02', 'b/y#03'], [], false, undefined, undefined]],
    ['delimiter', { delimiter: '/' }, [['a#01', 'c#09'], ['b/'], false, undefined, undefined]],
    ['key-marker: later keys only', { keyMarker: 'b/x' }, [['b/y#03', 'c#09'], [], false, undefined, undefined]],
    ['key-marker and upload-id-marker: that key\'s later uploads too', { keyMarker: 'b/x', uploadIdMarker: '01' }, [['b/x#02', 'b/y#03', 'c#09'], [], false, undefined, undefined]],
    ['an upload-id-marker naming no upload still places the page', { keyMarker: 'b/x', uploadIdMarker: '015' }, [['b/x#02', 'b/y#03', 'c#09'], [], false, undefined, undefined]],
    ['upload-id-marker without key-marker is ignored', { uploadIdMarker: '05' }, [['a#01', 'b/x#01', 'b/x#02', 'b/y#03', 'c#09'], [], false, undefined, undefined]],
    ['max-uploads ends on an upload', { maxUploads: 2 }, [['a#01', 'b/x#01'], [], true, 'b/x', '01']],
    ['max-uploads ends on a common prefix', { delimiter: '/', maxUploads: 2 }, [['a#01'], ['b/'], true, 'b/', undefined]],
    ['a key-marker that is a common prefix skips it', { delimiter: '/', keyMarker: 'b/' }, [['c#09'], [], false, undefined, undefined]],
    ['max-uploads 0', { maxUploads: 0 }, [[], [], false, undefined, undefined]],
    ['the last page is not truncated', { maxUploads: 5 }, [['a#01', 'b/x#01', 'b/x#02', 'b/y#03', 'c#09'], [], false, undefined, undefined]],
  ];
  for (const [name, query, expected] of cases) it(name, () => assert.deepEqual(names(query), expected));
});
