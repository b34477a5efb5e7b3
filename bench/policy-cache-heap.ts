/**
 * What `PolicyCache` (src/app/principals.ts) and the engine's intern table (src/core/iam/glob.ts) keep of distinct
 * policies of the shapes a caller can send (review ed3): session policies of AssumeRole (2,048 characters), managed
 * policy versions (6,144), a role's inline policies (10,240), SimulateCustomPolicy inputs. Fills one cache with `--count`
 * distinct documents of one shape, each evaluated once (its matchers run, as a request would), and prints the heap used
 * plus array buffers kept after forced collections, per policy and in all, beside `compiledWeight`'s estimate.
 *
 *   node_modules/.bin/node --expose-gc bench/policy-cache-heap.ts [--shape all|actions|arn-like|…] [--chars 2048] [--count 2000] [--max 20000]
 *
 * Not run by `npm run bench` (it exports no bench function, and runs only as the main module).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PolicyCache } from '../src/app/principals.ts';
import { compiledWeight, contextOf, evaluate, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';

const id = (i: number): string => i.toString(36).padStart(6, '0');
const doc = (statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
/** The most items of `build` that fit in `chars` (whitespace is not counted, and there is none). */
function fit(build: (n: number) => string, chars: number): string {
  let n = 1;
  while (build(n + 1).length <= chars) n++;
  return build(n);
}

/** Each shape: a distinct valid identity policy of at most `chars` characters for each `i`. */
const SHAPES: Record<string, (i: number, chars: number) => string> = {
  typical: (i) => doc([
    { Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::datasets-${id(i)}`, `arn:aws:s3:::datasets-${id(i)}/*`] },
    { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::checkpoints/job-${id(i)}/*` },
  ]),
  prefixes: (i, c) => fit((n) => doc([{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: Array.from({ length: n }, (_, j) => `arn:aws:s3:::bucket-${id(i)}/team-${j}/*`) }]), c),
  statements: (i, c) => fit((n) => doc(Array.from({ length: n }, (_, j) => ({ Effect: j % 2 ? 'Deny' : 'Allow', Action: `s${j}:A${id(i)}`, Resource: '*' }))), c),
  actions: (i, c) => fit((n) => doc([{ Effect: 'Allow', Action: Array.from({ length: n }, (_, j) => `s${j}:*${id(i)}*`), Resource: '*' }]), c),
  'string-like': (i, c) => fit((n) => doc([{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { StringLike: { 's3:prefix': Array.from({ length: n }, (_, j) => `*${id(i)}*${j}`) } } }]), c),
  'ip-ranges': (i, c) => fit((n) => doc([{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': Array.from({ length: n }, (_, j) => `10.${(i >> 8) & 255}.${i & 255}.${j % 256}/32`) } } }]), c),
  'regexp-resources': (i, c) => fit((n) => doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: Array.from({ length: n }, (_, j) => `arn:aws:s3:::b${id(i)}*x${j}`) }]), c),
  'step-resources': (i, c) => fit((n) => doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: Array.from({ length: n }, (_, j) => `arn:aws:s3:?:${id(i)}:b*/${j}*`) }]), c),
  'step-resource-long': (i, c) => fit((n) => doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:?:${id(i)}:b*/${'k'.repeat(n)}*` }]), c),
  'arn-like': (i, c) => fit((n) => doc([{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { ArnLike: { 'aws:SourceArn': Array.from({ length: n }, (_, j) => `arn:*:s*:*:${id(i)}:${j}*`) } } }]), c),
  'one-long': (i, c) => fit((n) => doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${id(i)}*${'k'.repeat(n)}*` }]), c),
};

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;

function kept(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function run(shape: string, chars: number, count: number, max: number): void {
  const build = SHAPES[shape];
  if (build === undefined) throw new Error(`--shape: one of all, ${Object.keys(SHAPES).join(', ')}`);
  const docs = Array.from({ length: count }, (_, i) => build(i + 1, chars));
  let estimate = 0;
  for (const d of docs) {
    const p = parsePolicy(d, { kind: 'identity', maxChars: chars });
    if (!p.ok) throw new Error(`${shape}: ${p.errors[0]?.message ?? 'does not parse'}`);
    estimate += compiledWeight(p.value, d.length + 'session-policy'.length);
  }
  const principal = principalFromArn('arn:aws:iam::000000000000:user/bench');
  if (!principal.ok) throw new Error('principal');
  const context = contextOf({ 's3:prefix': 'zz', 'aws:SourceArn': 'arn:aws:s3:::zz' });
  const cache = new PolicyCache(max);
  const before = kept();
  const t0 = performance.now();
  for (const d of docs) {
    const c = cache.get('session-policy', d);
    for (const action of ['s3:GetObject', 's3:ListBucket']) evaluate({ principal: principal.value, action, resource: 'arn:aws:s3:::nope/x', context }, { identity: [c] });
  }
  const ms = performance.now() - t0;
  const length = docs[0]?.length ?? 0;
  docs.length = 0;
  const grown = kept() - before;
  // The cache is alive up to here: what it keeps is in `grown`.
  const held = cache.held();
  console.log(
    `${shape.padEnd(18)} ${String(length).padStart(5)} chars × ${count}: kept ${mb(grown).padStart(9)} (${Math.round(grown / count)} B a policy), ` +
      `estimated ${Math.round(estimate / count)} B a policy, cache ${held.entries} entries ${mb(held.bytes)}; ` +
      `${(ms / count).toFixed(2)} ms a policy`,
  );
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { shape: { type: 'string', default: 'all' }, chars: { type: 'string', default: '2048' }, count: { type: 'string', default: '2000' }, max: { type: 'string', default: '20000' } } });
  if (values.shape !== 'all') run(values.shape, Number(values.chars), Number(values.count), Number(values.max));
  // A process a shape: the intern table is the process's, and what one shape left there would count in the next.
  else for (const shape of Object.keys(SHAPES)) execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--shape', shape, '--chars', values.chars, '--count', values.count, '--max', values.max], { stdio: 'inherit' });
}
