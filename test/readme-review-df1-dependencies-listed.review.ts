/**
 * Review `df` (the documentation a new user reads, checked against the product), 1: docs/dependencies.md says that
 * every package in package.json has its row, with its licence. Three devDependencies had none
 * (`@alicloud/credentials`, `@aws-sdk/credential-providers`, `autocannon`), and `@smithy/signature-v4` and
 * `@aws-crypto/sha256-js` were listed under "Development only" as test and benchmark signers while package.json has
 * them as runtime dependencies: the CLI signs every request to the admin API with them, and `gatehouse kube token`
 * signs its `k8s-aws-v1.` token (src/adapters/cli/client.ts, commands/kube.ts).
 *
 * Each dependency must have a row in the section its package.json list says (runtime or development), and the row's
 * licence must be the one the installed package declares (its package.json `license`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const doc = await readFile(new URL('docs/dependencies.md', root), 'utf8');

/** The table rows of a `## heading` section: first cell (package names) and last cell (licence). */
function rows(heading: string): { names: string; license: string }[] {
  const at = doc.indexOf(`\n## ${heading}\n`);
  assert.ok(at >= 0, `docs/dependencies.md has a section "## ${heading}"`);
  const end = doc.indexOf('\n## ', at + 1);
  const section = doc.slice(at, end < 0 ? undefined : end);
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const cells = l.split(' | ');
      return { names: cells[0] ?? '', license: (cells.at(-1) ?? '').replace(/ \|$/, '').trim() };
    });
}

async function licenseOf(name: string): Promise<string> {
  const p = JSON.parse(await readFile(new URL(`node_modules/${name}/package.json`, root), 'utf8')) as { license?: unknown };
  return String(p.license);
}

for (const [section, list] of [
  ['Runtime', pkg.dependencies],
  ['Development only', pkg.devDependencies],
] as const) {
  test(`df1: every package of package.json's ${section === 'Runtime' ? 'dependencies' : 'devDependencies'} has its row under "${section}", with its licence`, async () => {
    const table = rows(section);
    for (const name of Object.keys(list)) {
      const row = table.find((r) => r.names.includes(`\`${name}\``));
      assert.ok(row, `docs/dependencies.md: no row for ${name} under "## ${section}"`);
      const license = await licenseOf(name);
      assert.ok(row.license.startsWith(license), `docs/dependencies.md: ${name} is ${license} (node_modules/${name}/package.json), the row says ${row.license}`);
    }
  });
}
