/**
 * Review of the web console (review jd, 6): a key pasted with a character no key has was reported as the server down.
 *
 * What was wrong: keys are copied from chats, wikis and password vaults, which add characters that do not show: a
 * zero-width space (U+200B) after the access key id, typographic quotes around it, a no-break space. The form trims
 * spaces only. An access key id (or session token) holding such a character goes into a request header, which fetch
 * refuses to send (`String contains non ISO-8859-1 code point`), and the page said `could not sign in: cannot reach
 * the Gatehouse server at http://…: POST /v1/console/sign-in got no answer (…); is \`gatehouse server\` running
 * there, and this computer on its network?`: an operator whose server was fine went to check the server and the
 * network. The same character in the secret key was answered `SignatureDoesNotMatch … Check your AWS Secret Access
 * Key`, with nothing saying what in it was wrong.
 *
 * What is now so: a field holding a character outside printable ASCII (which no access key id, secret key or session
 * token has) is refused before anything is sent, naming the field, the character (as an escape, `\u{200b}`) and its
 * position, and saying to type or paste it again.
 *
 * Before the fix 3 of 3 tests failed. Debian's Chromium through playwright-core (skipped when chromium is absent),
 * against a real server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_SKIP, serverAndChromium } from './support/console.ts';

declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review jd6: a key pasted with an invisible character is refused as that', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndChromium();

  const cases = [
    { name: 'a zero-width space after the access key id', id: (k: string) => `${k}\u200b`, secret: (s: string) => s, says: /^the access key id holds \\u\{200b\} at character 21, which no access key id has/ },
    { name: 'typographic quotes around the access key id', id: (k: string) => `\u201c${k}\u201d`, secret: (s: string) => s, says: /^the access key id holds “ at character 1, which no access key id has/ },
    { name: 'a no-break space inside the secret key', id: (k: string) => k, secret: (s: string) => `${s.slice(0, 10)}\u00a0${s.slice(10)}`, says: /^the secret access key holds \\u\{00a0\}|^the secret access key holds   at character 11/ },
  ];
  for (const c of cases) {
    it(`${c.name}: said so, and nothing sent`, async () => {
      const page = await world.browser.newPage();
      page.setDefaultTimeout(10_000);
      const sent: string[] = [];
      page.on('request', (r) => void (new URL(r.url()).pathname.startsWith('/v1/') && sent.push(new URL(r.url()).pathname)));
      try {
        await page.goto(`${world.server.url}/ui/`);
        await page.fill('input[name=accessKeyId]', c.id(world.server.admin.accessKeyId));
        await page.fill('input[name=secretAccessKey]', c.secret(world.server.admin.secretAccessKey));
        await page.click('#sign-in-form button[type=submit]');
        await page.waitForFunction(() => (document.getElementById('sign-in-status')?.textContent ?? '') !== '');
        const said = (await page.textContent('#sign-in-status')) ?? '';
        assert.match(said, c.says);
        assert.match(said, /type or paste it again/);
        assert.doesNotMatch(said, /cannot reach/);
        assert.deepEqual(sent, []);
        assert.equal(await page.isVisible('#console'), false);
      } finally {
        await page.close();
      }
    });
  }
});
