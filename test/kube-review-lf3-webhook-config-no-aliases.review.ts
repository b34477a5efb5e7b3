/**
 * Review `lf`, 3: `gatehouse kube webhook-config` wrote mutating-webhook.yaml with YAML anchors and aliases.
 *
 * The three webhooks share one `clientConfig` (URL and CA bundle) and one `namespaceSelector` object, and the `yaml`
 * package writes an object met twice as `&a1` on the first webhook and `*a1` on the others. kubectl reads that, but
 * an operator editing the file (a new CA bundle, another excluded namespace) changed the first webhook only unaware
 * that the others follow it, or, editing an alias, broke the file; tools that read YAML without aliases (some
 * policy checkers, `yq` round-trips, JSON converters) refused it; and it was not the shape of the hand-written
 * deploy/kubernetes/mutating-webhook.yaml. Now every file is written plain (`aliasDuplicateObjects: false`): each
 * webhook spells its own clientConfig and namespaceSelector, and the file reads back to the same value.
 * The files are made as the command makes them (`webhookFiles`, the pure function it writes), both authorization forms.
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlias, parseDocument, visit } from 'yaml';
import { webhookFiles } from '../src/adapters/cli/commands/kube.ts';

const ROOT = join(import.meta.dirname, '..');
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

/** The anchors and aliases a YAML text holds (`&a1`, `*a1`), as the `yaml` package reads them. */
function aliasesOf(text: string): { anchors: string[]; aliases: string[] } {
  const doc = parseDocument(text);
  assert.deepEqual(doc.errors, [], 'the file parses');
  const anchors: string[] = [];
  const aliases: string[] = [];
  visit(doc, (_key, node) => {
    if (isAlias(node)) aliases.push(node.source);
    else if (node && typeof node === 'object' && 'anchor' in node && typeof node.anchor === 'string') anchors.push(node.anchor);
  });
  return { anchors, aliases };
}

const made = (form: 'flags' | 'config') =>
  webhookFiles({ base: new URL('https://gatehouse.example.com:8470'), cluster: 'k1', token: 'tok', caBundle: CA, dir: '/etc/gatehouse', authorization: form === 'flags' ? { form } : { form, version: 'v1' } });

test('mutating-webhook.yaml has no anchors nor aliases: each webhook spells its clientConfig and namespaceSelector', () => {
  const text = made('flags')['mutating-webhook.yaml']!;
  // Before the fix: anchors [a1, a2] and aliases of both on the second and third webhooks.
  assert.deepEqual(aliasesOf(text), { anchors: [], aliases: [] }, text);
  assert.doesNotMatch(text, /(^|\s)[&*]a\d+\b/m);
  const webhooks = (parseDocument(text).toJS() as { webhooks: { name: string; clientConfig: { url: string; caBundle: string }; namespaceSelector: unknown }[] }).webhooks;
  assert.equal(webhooks.length, 3);
  for (const w of webhooks) {
    assert.deepEqual(w.clientConfig, { url: 'https://gatehouse.example.com:8470/k8s/k1/admit', caBundle: CA }, w.name);
    assert.deepEqual(w.namespaceSelector, { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'gatehouse'] }] }, w.name);
  }
  // Editing one webhook's selector no longer changes the others (as with an anchor it did).
  const edited = text.replace('            - kube-system\n', '            - kube-system\n            - batch\n');
  const after = (parseDocument(edited).toJS() as { webhooks: { namespaceSelector: { matchExpressions: { values: string[] }[] } }[] }).webhooks;
  assert.deepEqual(after.map((w) => w.namespaceSelector.matchExpressions[0]!.values.length), [3, 2, 2]);
});

test('every other file the command writes is plain too, in both authorization forms', () => {
  for (const form of ['flags', 'config'] as const) {
    for (const [name, text] of Object.entries(made(form))) assert.deepEqual(aliasesOf(text), { anchors: [], aliases: [] }, `${form}: ${name}\n${text}`);
  }
});

test('the hand-written deploy/kubernetes files are plain, as the generated ones now are', async () => {
  for (const name of ['mutating-webhook.yaml', 'apiserver/admission-configuration.yaml', 'apiserver/authorization-config.yaml']) {
    const text = await readFile(join(ROOT, 'deploy/kubernetes', name), 'utf8');
    assert.deepEqual(aliasesOf(text), { anchors: [], aliases: [] }, name);
  }
});
