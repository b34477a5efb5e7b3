/** The listings the CLI follows page by page (`jobs list`, `jobs events`, `iam-policy list`, `resource-policies list`), and their `--limit`. */
import { InvalidArgumentError } from 'commander';
import type { ClientResult } from './client.ts';
import { shellWord } from './output.ts';

/** `--limit N` of a listing: a usage error (exit 2) naming the option. */
export const listLimit = (v: string): number => {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > 10_000_000) throw new InvalidArgumentError(`--limit must be an integer from 1 to 10000000, got \`${v}\``);
  return n;
};

/**
 * The items of a paged listing, following `next` from page to page (1,000 a page) until it ends or `limit` items are
 * read; `next` when `limit` stopped it with more to come. `page(want, next)` asks for one page.
 */
export async function followPages<T>(page: (want: number, next: string | undefined) => Promise<ClientResult<{ items: T[]; next?: string }>>, limit: number | undefined, start: string | undefined): Promise<ClientResult<{ items: T[]; next?: string }>> {
  const items: T[] = [];
  let next = start;
  for (;;) {
    const one = await page(limit === undefined ? 1000 : Math.min(1000, limit - items.length), next);
    if (!one.ok) return one;
    items.push(...one.value.items);
    next = one.value.next;
    if (next === undefined) return { ok: true, value: { items } };
    if (limit !== undefined && items.length >= limit) return { ok: true, value: { items, next } };
  }
}

/** Items and `next` of a page as the API names them (`jobs`, `events`, `iamPolicies`). */
export const asItems = <T>(r: ClientResult<{ next?: string } & Record<string, unknown>>, key: string): ClientResult<{ items: T[]; next?: string }> =>
  r.ok ? { ok: true, value: { items: r.value[key] as T[], ...(r.value.next !== undefined ? { next: r.value.next } : {}) } } : r;

/**
 * Said on stderr after a table cut at `--limit` while more follow (review hm, 3): the `next` was in the `--json` answer
 * only, and the table alone read as the whole listing (`jobs list --limit 20` of 21 jobs, the 21st never mentioned),
 * where `audit query` says it stopped and how to go on. `resume` is the option and value that go on (`--next TOKEN`,
 * `--after ARN`), quoted for the shell when it needs it.
 */
export function moreFollow(noun: string, limit: number | undefined, option: string, value: string): string {
  return `gatehouse: stopped at --limit ${limit ?? ''}; more ${noun} follow: go on with ${option} ${shellWord(value)} (or raise --limit)\n`;
}
