/**
 * What every conformance suite (iam, bindings, rbac, resource) does the same way: cases live in the suite's
 * folder as JSON arrays, each file's cases have unique names, each case is checked against the suite's schema
 * before it runs, a case that the engine disagrees with is marked `todo` (with the reason), never silently
 * skipped. The schemas share the small validation vocabulary below.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly string[] };

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as a message shows it: its type, and a string cut at 40 characters. */
export const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : `${typeof v} ${JSON.stringify(v)}`;

/** `path.key`, or `key` at the top. */
export const sub = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** The check of an object's fields: every required one present, none that is not known; `bad` records a problem at a path. */
export function fieldsChecker(bad: (path: string, msg: string) => void) {
  return (o: Obj, path: string, required: readonly string[], optional: readonly string[]): void => {
    for (const k of required) if (!Object.hasOwn(o, k)) bad(sub(path, k), 'is required');
    for (const k of Object.keys(o)) {
      if (!required.includes(k) && !optional.includes(k)) bad(sub(path, k), `is not a known field (allowed: ${[...required, ...optional].join(', ')})`);
    }
  };
}

/** Validates a whole file: an array of cases with unique names. Per-case problems are left to the suite's validateCase. */
export function validateFile(raw: unknown, file: string): Validated<readonly unknown[]> {
  if (!Array.isArray(raw)) return { ok: false, errors: [`${file}: must be a JSON array of cases, got ${describe(raw)}`] };
  const errors: string[] = [];
  const seen = new Map<string, number>();
  raw.forEach((c: unknown, i: number) => {
    if (!isObj(c) || typeof c['name'] !== 'string') return;
    const prev = seen.get(c['name']);
    if (prev !== undefined) errors.push(`${file} case #${i}: name ${JSON.stringify(c['name'])} is already used by case #${prev}`);
    else seen.set(c['name'], i);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: raw };
}

/** The case files of a suite's folder: every `.json` there, in name order. */
export function caseFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export interface CaseSuite<C extends { readonly todo?: boolean | string | undefined }> {
  /** The suite's folder. */
  readonly dir: string;
  readonly files: readonly string[];
  readonly validateCase: (raw: unknown, where: string) => Validated<C>;
  /** Runs one valid case; a failed assertion fails its test. */
  readonly run: (c: C) => void | Promise<void>;
  /** Sees every valid case as it is registered (for the suite's coverage checks). */
  readonly seen?: (c: C) => void;
  /** The reason shown for `"todo": true`. */
  readonly todoReason: string;
}

/**
 * Registers a test per file (strict JSON, unique names) and per case (`file › name`): a case that does not match
 * the schema fails with the schema's messages, a `todo` case runs as a todo. Returns how many cases the files hold.
 */
export function registerCases<C extends { readonly todo?: boolean | string | undefined }>(suite: CaseSuite<C>): number {
  let total = 0;
  for (const file of suite.files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(suite.dir, file), 'utf8'));
    } catch (e) {
      test(`${file}: is strict JSON`, () => assert.fail(`${file}: ${(e as Error).message}`));
      continue;
    }
    const shape = validateFile(raw, file);
    test(`${file}: is an array of cases with unique names`, () => assert.ok(shape.ok, shape.ok ? '' : shape.errors.join('\n')));
    if (!Array.isArray(raw)) continue;
    raw.forEach((item: unknown, i: number) => {
      total++;
      const v = suite.validateCase(item, `${file} case #${i}`);
      const name = isObj(item) && typeof item['name'] === 'string' ? item['name'] : `#${i}`;
      const title = `${file} › ${name}`;
      if (!v.ok) {
        test(title, () => assert.fail(`the case does not match the schema:\n${v.errors.join('\n')}`));
        return;
      }
      const c = v.value;
      suite.seen?.(c);
      const todo = c.todo === undefined || c.todo === false ? undefined : typeof c.todo === 'string' ? c.todo : suite.todoReason;
      test(title, todo === undefined ? {} : { todo }, () => suite.run(c));
    });
  }
  return total;
}
