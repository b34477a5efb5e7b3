/**
 * Review of the web console (review cs, 1): characters a browser draws as nothing were shown raw.
 *
 * What was wrong: the console writes every string of the server through `visible` (web/console.js), which shows as
 * escapes the characters that change how text reads without showing themselves (review console, W1): controls, bidi
 * overrides, zero-width characters. Its list was of BMP code points, by hand, and left out the rest of Unicode's
 * default-ignorable characters: the tag characters U+E0000–U+E007F (a hidden copy of ASCII: "ASCII smuggling"),
 * variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF), the combining grapheme joiner U+034F, the Hangul fillers
 * U+115F, U+1160, U+3164, U+FFA0 (drawn as blank space) and the Khmer inherent vowels U+17B4, U+17B5. A managed
 * policy's description takes any script (review directory, D13), and an audit record's resource any string a caller
 * asks about: `read only` followed by ` and grant admin` in tag characters read `read only` in the Policies view,
 * while a copy of the cell carried the rest; two resources differing by a tag character read the same.
 *
 * What is now so: `visible` escapes, by Unicode's own properties, every control (Cc), format character (Cf), line and
 * paragraph separator and default-ignorable code point (tab, and line feeds the page joins, stay), astral ones as
 * `\u{e0061}`.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { signedInPage, CHROMIUM_SKIP, serverAndChromium } from './support/console.ts';

const skip = CHROMIUM_SKIP;

declare const document: { getElementById(id: string): { textContent: string | null } | null };

/** `text` in Unicode tag characters: drawn as nothing. */
const tags = (text: string): string => [...text].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');

describe('web console review cs1: default-ignorable characters are shown as escapes', { skip }, () => {
  const world = serverAndChromium();

  it('a policy description in tag characters, variation selectors and fillers reads as what it holds', async () => {
    const description = `read only${tags(' and grant admin')} x\u{fe0f}\u{e0100}\u034f\u115f\u3164\uffa0\u17b4y, Lecture seule — données, 只读, tab\there`;
    await world.server.iam().send(new I.CreatePolicyCommand({ PolicyName: 'smuggled', Description: description, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
    const { page, problems } = await signedInPage(world.browser, world.server.url, world.server.admin);
    try {
      await page.click('nav button[data-view=policies]');
      await page.waitForFunction(() => /polic(y|ies) of this account$/.test(document.getElementById('status')?.textContent ?? ''));
      const cells = await page.$$eval('#view tbody td', (tds) => tds.map((td) => td.textContent ?? ''));
      const shown = cells[3] ?? '';
      assert.equal(
        shown,
        `read only${[...' and grant admin'].map((c) => `\\u{e00${c.charCodeAt(0).toString(16)}}`).join('')} x\\u{fe0f}\\u{e0100}\\u{034f}\\u{115f}\\u{3164}\\u{ffa0}\\u{17b4}y, Lecture seule — données, 只读, tab\there`,
      );
      assert.doesNotMatch(shown, /[\u{e0000}-\u{e0fff}\ufe00-\ufe0f\u034f\u115f\u1160\u3164\uffa0\u17b4\u17b5]/u, 'no invisible character is left in the cell');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
