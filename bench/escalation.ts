/**
 * Escalation paths (`app.escalation`, `POST /v1/escalation-paths`): the authorize bench's world (the root account:
 * 32 roles, 32 users and the service user `gate`, each with its inline policy; the root admin), asked by the root
 * admin in process. Every user and role at once (the admin reaches every principal, so every pair is asked), and
 * one user alone. Median of 5 runs (3 with `--quick`), each on a fresh cache of edges.
 *
 * Run alone: `npx node bench/escalation.ts [--quick]`.
 */
import { inProcess } from './authorize.ts';
import { median, row, type BenchOptions, type BenchRow } from './report.ts';

export async function benchEscalation(opts: BenchOptions): Promise<BenchRow[]> {
  const b = 'escalation';
  const { app, admin, close } = await inProcess();
  try {
    const runs = opts.quick ? 3 : 5;
    const time = async (principal?: string): Promise<{ ms: number[]; questions: number; reports: number; anyRight: number }> => {
      const ms: number[] = [];
      let questions = 0;
      let reports = 0;
      let anyRight = 0;
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const r = await app.escalation(admin, principal !== undefined ? { principal } : {});
        ms.push(performance.now() - t);
        if (!r.ok) throw new Error(`escalation: ${r.errors[0]?.message}`);
        questions = r.value.questions;
        reports = r.value.reports.length;
        anyRight = r.value.reports.filter((x) => x.anyRight).length;
      }
      return { ms, questions, reports, anyRight };
    };
    const all = await time();
    const one = await time(`arn:aws:iam::000000000000:user/user-0`);
    opts.log(`escalation: every principal ${median(all.ms).toFixed(0)} ms (${all.questions} questions), one user ${median(one.ms).toFixed(1)} ms (${one.questions} questions)`);
    return [
      row(b, 'workload', `the authorize bench's world: ${all.reports} users and roles, asked by the root admin in process, median of ${runs}`, ''),
      row(b, 'every user and role: time', median(all.ms), 'ms'),
      row(b, 'every user and role: questions asked of the engine', all.questions, ''),
      row(b, 'every user and role: per question', (median(all.ms) * 1000) / all.questions, 'µs'),
      row(b, 'principals that can come to any right', all.anyRight, ''),
      row(b, 'one user (user-0): time', median(one.ms), 'ms'),
      row(b, 'one user (user-0): questions', one.questions, ''),
    ];
  } finally {
    await close();
  }
}

if (import.meta.main) {
  const { table } = await import('./report.ts');
  const rows = await benchEscalation({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${table(rows)}\n`);
}
