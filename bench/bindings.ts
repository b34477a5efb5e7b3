/**
 * Bindings engine (src/core/bindings) throughput and latency on a realistic account of 10,000 bindings,
 * single thread, in process.
 *
 * Workload (deterministic, seeded sfc32 as bench/workload.ts):
 * - one account `123456789012`; 2,000 users in 1–4 of 200 team groups; 300 service accounts; 50 workspaces,
 *   each owned by 4 teams; 2 custom roles;
 * - policies on the account (owner, viewer, cluster viewer, service-account user with a time limit…), on each
 *   workspace (ml.developer, storage.objectAdmin with a `resource.name.startsWith` condition, ml.viewer, time-
 *   limited grants to users…), on 2,000 models, 2,000 objects and 300 service-account roles; 10,000 bindings
 *   in all, 16% of them conditional (time windows, name prefixes, resource types);
 * - 100,000 requests (20,000 with `--quick`): a model, object or service account with its chain
 *   [account, workspace, resource]; a user with their groups (80%) or a service account (20%); a permission
 *   that fits the resource; half the principals drawn from the members bound in the chain.
 *
 * Method: each attached policy is compiled once (`compileBindings([policy])`, as policies are compiled when
 * written), and a request is decided over the list of its chain's compiled policies, without `explain`.
 * Throughput: warm-up passes, then timed passes (`hrtime`), best pass reported (median too), and decisions per
 * CPU-second. Latency: each decision timed on its own, timer cost subtracted. Also measured: `explain` mode;
 * each request's chain compiled as one set (`compileBindings(chain)`, cached per resource: the other way a
 * server may hold them); and one compiled set of all 10,000 bindings (one effective policy 7× over GCP's
 * member limit, to see the index at scale).
 *
 * Run alone: `npx node bench/bindings.ts [--quick]`.
 */
import { compileBindings, decide, resourceAttributes, type AttachedPolicy, type BindingsPrincipal, type CompiledBindings, type CustomRole, type DecideRequest, type IamBinding, type IamCondition } from '../src/core/bindings/index.ts';
import { percentile, row, type BenchOptions, type BenchRow } from './report.ts';

const ACCOUNT = '123456789012';
const TOTAL_BINDINGS = 10_000;
const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);

function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

interface Workload {
  readonly policies: readonly AttachedPolicy[];
  readonly customRoles: readonly CustomRole[];
  readonly requests: readonly DecideRequest[];
  /** The chain of request i, as resource names, root first. */
  readonly chains: readonly (readonly string[])[];
  readonly bindings: number;
  readonly conditional: number;
}

export function bindingsWorkload(requestCount: number): Workload {
  const r = sfc32(0xb1d, 0x5eed, 0x6a7e, 7);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;

  const teams = Array.from({ length: 200 }, (_, i) => `team-${String(i).padStart(3, '0')}`);
  const users = Array.from({ length: 2000 }, (_, i) => {
    const groups = new Set<string>(['all-staff']);
    const n = 1 + int(4);
    while (groups.size < n + 1) groups.add(pick(teams));
    return { name: `u${String(i).padStart(4, '0')}`, groups: [...groups] };
  });
  const sas = Array.from({ length: 300 }, (_, i) => `sa-${i}@${ACCOUNT}.iam.gatehouse.dev`);
  const workspaces = Array.from({ length: 50 }, (_, i) => ({ name: `workspace/ws-${i}`, teams: [teams[(i * 4) % 200], teams[(i * 4 + 1) % 200], teams[(i * 4 + 2) % 200], teams[(i * 4 + 3) % 200]] as string[] }));
  const customRoles: CustomRole[] = [
    { name: `accounts/${ACCOUNT}/roles/trainer`, permissions: ['ml.jobs.create', 'ml.jobs.get', 'ml.models.get', 'storage.objects.get', 'storage.objects.create'] },
    { name: `accounts/${ACCOUNT}/roles/dataReader`, permissions: ['storage.objects.get', 'storage.objects.list'] },
  ];

  const policies: AttachedPolicy[] = [];
  let bindings = 0;
  let conditional = 0;
  const add = (resource: string, bs: IamBinding[]): void => {
    policies.push({ resource, policy: { bindings: bs } });
    bindings += bs.length;
    conditional += bs.filter((b) => b.condition !== undefined).length;
  };
  const until = (y: number, m: number): IamCondition => ({ title: 'temporary', expression: `request.time < timestamp("${y}-${String(m).padStart(2, '0')}-01T00:00:00Z")` });

  // The account.
  const accountBindings: IamBinding[] = [
    { role: 'roles/owner', members: ['group:platform-admins'] },
    { role: 'roles/viewer', members: ['group:auditors'] },
    { role: 'roles/container.clusterViewer', members: ['group:all-staff', ...sas.slice(0, 20).map((s) => `serviceAccount:${s}`)] },
    { role: 'roles/iam.serviceAccountUser', members: ['group:ml-platform'], condition: until(2027, 1) },
    { role: 'roles/storage.objectViewer', members: ['group:all-staff'], condition: { title: 'shared data', expression: 'resource.name.startsWith("arn:aws:s3:::shared-data/")' } },
  ];
  for (let i = 0; i < 45; i++) accountBindings.push({ role: pick(['roles/viewer', 'roles/ml.viewer', 'roles/container.viewer']), members: [`user:${pick(users).name}`] });
  add(`account/${ACCOUNT}`, accountBindings);

  // Resources, with 1–2 bindings each.
  interface Res { readonly name: string; readonly ws: string; readonly kind: 'model' | 'object' | 'sa' }
  const resources: Res[] = [];
  workspaces.forEach((ws, w) => {
    for (let i = 0; i < 40; i++) {
      const name = `arn:aws:training::${ACCOUNT}:model/ws${w}-m${i}`;
      resources.push({ name, ws: ws.name, kind: 'model' });
      const bs: IamBinding[] = [{ role: pick(['roles/ml.developer', 'roles/ml.viewer', 'roles/ml.admin']), members: [`user:${pick(users).name}`, ...(r() < 0.3 ? [`serviceAccount:${pick(sas)}`] : [])] }];
      if (r() < 0.6) bs.push({ role: 'roles/ml.viewer', members: [`group:${pick(teams)}`], ...(r() < 0.2 ? { condition: until(2026, 9) } : {}) });
      add(name, bs);
    }
    for (let i = 0; i < 40; i++) {
      const name = `arn:aws:s3:::ws-${w}-data/${pick(['datasets', 'checkpoints', 'exports'])}/part-${i}.tar`;
      resources.push({ name, ws: ws.name, kind: 'object' });
      add(name, [{ role: pick(['roles/storage.objectViewer', 'roles/storage.objectAdmin', customRoles[1]?.name ?? '']), members: [`group:${pick(ws.teams)}`] }]);
    }
  });
  sas.forEach((sa, i) => {
    const name = `arn:aws:iam::${ACCOUNT}:role/${sa.slice(0, sa.indexOf('@'))}`;
    resources.push({ name, ws: (workspaces[i % workspaces.length] as { name: string }).name, kind: 'sa' });
    add(name, [{ role: 'roles/iam.serviceAccountUser', members: [`user:${pick(users).name}`, `user:${pick(users).name}`] }]);
  });

  // Workspaces take the rest, up to 10,000.
  const perWorkspace = Math.floor((TOTAL_BINDINGS - bindings) / workspaces.length);
  let extra = TOTAL_BINDINGS - bindings - perWorkspace * workspaces.length;
  workspaces.forEach((ws, w) => {
    const bs: IamBinding[] = [];
    for (const t of ws.teams) {
      bs.push({ role: 'roles/ml.developer', members: [`group:${t}`] });
      bs.push({ role: 'roles/storage.objectAdmin', members: [`group:${t}`], condition: { title: 'workspace data', expression: `resource.name.startsWith("arn:aws:s3:::ws-${w}-data/")` } });
    }
    const n = perWorkspace + (extra-- > 0 ? 1 : 0);
    while (bs.length < n) {
      const x = r();
      if (x < 0.5) bs.push({ role: pick(['roles/ml.viewer', 'roles/ml.developer', 'roles/storage.objectViewer', customRoles[0]?.name ?? '']), members: [`user:${pick(users).name}`] });
      else if (x < 0.65) bs.push({ role: 'roles/ml.developer', members: [`user:${pick(users).name}`], condition: until(2026, 1 + int(12)) });
      else if (x < 0.75) bs.push({ role: 'roles/ml.admin', members: [`user:${pick(users).name}`], condition: { title: 'models only', expression: 'resource.type == "ml.gatehouse.dev/Model"' } });
      else if (x < 0.9) bs.push({ role: pick(['roles/ml.viewer', 'roles/storage.objectViewer']), members: [`group:${pick(teams)}`] });
      else bs.push({ role: 'roles/ml.developer', members: [`serviceAccount:${pick(sas)}`] });
    }
    add(ws.name, bs);
  });

  // Requests.
  const byResource = new Map(policies.map((p) => [p.resource, p]));
  const permsOf: Readonly<Record<Res['kind'], readonly string[]>> = {
    model: ['ml.models.get', 'ml.models.get', 'ml.models.predict', 'ml.models.predict', 'ml.models.update', 'ml.models.delete', 'ml.jobs.create'],
    object: ['storage.objects.get', 'storage.objects.get', 'storage.objects.create', 'storage.objects.delete'],
    sa: ['iam.serviceAccounts.actAs'],
  };
  const requests: DecideRequest[] = [];
  const chains: string[][] = [];
  for (let i = 0; i < requestCount; i++) {
    const res = pick(resources);
    const chain = [`account/${ACCOUNT}`, res.ws, res.name];
    let principal: BindingsPrincipal;
    if (r() < 0.5) {
      // Someone the chain names: a bound user, a member of a bound group, or a bound service account.
      const members = chain.flatMap((c) => byResource.get(c)?.policy.bindings.flatMap((b) => b.members) ?? []);
      const m = pick(members);
      if (m.startsWith('user:')) principal = { user: m.slice(5), groups: users.find((u) => u.name === m.slice(5))?.groups ?? [], authenticated: true };
      else if (m.startsWith('serviceAccount:')) principal = { serviceAccount: m.slice(15), groups: [], authenticated: true };
      else {
        const g = m.slice(6);
        const u = users.find((x) => x.groups.includes(g)) ?? pick(users);
        principal = { user: u.name, groups: u.groups, authenticated: true };
      }
    } else if (r() < 0.8) {
      const u = pick(users);
      principal = { user: u.name, groups: u.groups, authenticated: true };
    } else {
      principal = { serviceAccount: pick(sas), groups: [], authenticated: true };
    }
    requests.push({ principal, permission: pick(permsOf[res.kind]), resource: resourceAttributes(res.name), time: NOW });
    chains.push(chain);
  }
  return { policies, customRoles, requests, chains, bindings, conditional };
}

export interface BindingsFigures {
  readonly bindings: number;
  readonly conditional: number;
  readonly policies: number;
  readonly requests: number;
  readonly compileMs: number;
  readonly allowShare: number;
  readonly decisionsPerSecond: number;
  readonly medianPerSecond: number;
  readonly decisionsPerCpuSecond: number;
  readonly explainPerSecond: number;
  readonly perChainPerSecond: number;
  readonly chains: number;
  readonly chainCompileMs: number;
  readonly oneSetPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly timerOverheadNs: number;
}

function passes(n: number, rounds: number, fn: () => number): { best: number; median: number; cpuBest: number } {
  const rates: number[] = [];
  let cpuBest = 0;
  let sink = 0;
  for (let i = 0; i < rounds; i++) {
    const c = process.cpuUsage();
    const s = process.hrtime.bigint();
    sink += fn();
    const ns = Number(process.hrtime.bigint() - s);
    const cpu = process.cpuUsage(c);
    rates.push(n / (ns / 1e9));
    cpuBest = Math.max(cpuBest, n / ((cpu.user + cpu.system) / 1e6));
  }
  if (sink < 0) throw new Error('unreachable');
  const sorted = [...rates].sort((a, b) => a - b);
  return { best: Math.max(...rates), median: sorted[Math.floor(sorted.length / 2)] ?? 0, cpuBest };
}

export function measureBindings(opts: { quick: boolean; log: (m: string) => void }): BindingsFigures {
  const w = bindingsWorkload(opts.quick ? 20_000 : 100_000);
  const n = w.requests.length;

  const t0 = process.hrtime.bigint();
  const compiled = new Map<string, CompiledBindings>();
  for (const p of w.policies) compiled.set(p.resource, compileBindings([p], { customRoles: w.customRoles, account: ACCOUNT }));
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const lists: CompiledBindings[][] = w.chains.map((c) => c.flatMap((name) => compiled.get(name) ?? []));
  const { requests } = w;

  const pass = (): number => {
    let allows = 0;
    for (let i = 0; i < n; i++) if (decide(lists[i] as CompiledBindings[], requests[i] as DecideRequest).verdict === 'allow') allows++;
    return allows;
  };
  const allows = pass();
  const warmup = opts.quick ? 1 : 3;
  for (let i = 0; i < warmup; i++) pass();
  const main = passes(n, opts.quick ? 3 : 10, pass);
  opts.log(`bindings: best ${Math.round(main.best).toLocaleString('en-US')} decisions/s`);

  const explain = passes(n, opts.quick ? 2 : 5, () => {
    let a = 0;
    for (let i = 0; i < n; i++) if (decide(lists[i] as CompiledBindings[], requests[i] as DecideRequest, { explain: true }).verdict === 'allow') a++;
    return a;
  });

  // Each chain compiled as one set (cached per resource): fewer lookups per decision, more memory.
  const policyOf = new Map(w.policies.map((p) => [p.resource, p]));
  const t1 = process.hrtime.bigint();
  const byChain = new Map<string, CompiledBindings>();
  const chainSets = w.chains.map((c) => {
    const key = c.join('|');
    let set = byChain.get(key);
    if (set === undefined) {
      set = compileBindings(c.flatMap((name) => policyOf.get(name) ?? []), { customRoles: w.customRoles, account: ACCOUNT });
      byChain.set(key, set);
    }
    return set;
  });
  const chainCompileMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const perChain = passes(n, opts.quick ? 2 : 5, () => {
    let a = 0;
    for (let i = 0; i < n; i++) if (decide(chainSets[i] as CompiledBindings, requests[i] as DecideRequest).verdict === 'allow') a++;
    if (a !== allows) throw new Error('a chain compiled as one set decides differently');
    return a;
  });

  // Every binding in one compiled set: the member index at 10,000 bindings (decisions differ from the chains').
  const all = compileBindings(w.policies, { customRoles: w.customRoles, account: ACCOUNT });
  const oneSet = passes(n, opts.quick ? 2 : 5, () => {
    let a = 0;
    for (let i = 0; i < n; i++) if (decide(all, requests[i] as DecideRequest).verdict === 'allow') a++;
    return a;
  });

  // Latency, timer cost subtracted.
  const probe = new Float64Array(10_000);
  for (let i = 0; i < probe.length; i++) {
    const s = process.hrtime.bigint();
    probe[i] = Number(process.hrtime.bigint() - s);
  }
  probe.sort();
  const overhead = percentile(probe, 50);
  const lat = new Float64Array(n);
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    const d = decide(lists[i] as CompiledBindings[], requests[i] as DecideRequest);
    const e = process.hrtime.bigint();
    lat[i] = Math.max(0, Number(e - s) - overhead);
    if (d.verdict === 'allow') sink++;
  }
  if (sink !== allows) throw new Error('decisions changed between passes');
  lat.sort();

  return {
    bindings: w.bindings,
    conditional: w.conditional,
    policies: w.policies.length,
    requests: n,
    compileMs,
    allowShare: allows / n,
    decisionsPerSecond: main.best,
    medianPerSecond: main.median,
    decisionsPerCpuSecond: main.cpuBest,
    explainPerSecond: explain.best,
    perChainPerSecond: perChain.best,
    chains: byChain.size,
    chainCompileMs,
    oneSetPerSecond: oneSet.best,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    p999: percentile(lat, 99.9),
    timerOverheadNs: overhead,
  };
}

export function benchBindings(opts: BenchOptions): BenchRow[] {
  const f = measureBindings(opts);
  const us = (ns: number): number => ns / 1000;
  return [
    row('bindings', 'workload', `${f.bindings.toLocaleString('en-US')} bindings (${((100 * f.conditional) / f.bindings).toFixed(0)}% conditional) in ${f.policies.toLocaleString('en-US')} policies; ${f.requests.toLocaleString('en-US')} requests`, ''),
    row('bindings', 'allowed', `${(100 * f.allowShare).toFixed(1)}%`, ''),
    row('bindings', 'compile 10,000 bindings (each policy alone)', f.compileMs, 'ms'),
    row('bindings', 'throughput, chain of 3 compiled policies (best pass)', Math.round(f.decisionsPerSecond), 'decisions/s'),
    row('bindings', 'throughput (median pass)', Math.round(f.medianPerSecond), 'decisions/s'),
    row('bindings', 'throughput per CPU-second (best pass)', Math.round(f.decisionsPerCpuSecond), 'decisions/s'),
    row('bindings', 'throughput with explain (best pass)', Math.round(f.explainPerSecond), 'decisions/s'),
    row('bindings', `compile each request's chain as one set (${f.chains.toLocaleString('en-US')} chains)`, f.chainCompileMs, 'ms'),
    row('bindings', 'throughput, each chain compiled as one set (best pass)', Math.round(f.perChainPerSecond), 'decisions/s'),
    row('bindings', 'throughput, one set of all 10,000 bindings (best pass)', Math.round(f.oneSetPerSecond), 'decisions/s'),
    row('bindings', 'latency p50', us(f.p50), 'µs'),
    row('bindings', 'latency p99', us(f.p99), 'µs', { text: '< 5', pass: us(f.p99) < 5 }),
    row('bindings', 'latency p99.9', us(f.p999), 'µs'),
    row('bindings', 'timer overhead subtracted', f.timerOverheadNs, 'ns'),
  ];
}

if (import.meta.main) {
  const { table } = await import('./report.ts');
  const quick = process.argv.includes('--quick');
  process.stdout.write(`${table(benchBindings({ quick, log: (m) => process.stderr.write(`${m}\n`) }))}\n`);
}
