// The sample page needs nothing the strict CSP forbids: no inline script, style or event handler,
// no javascript: URL, no eval. (The browser test runs the page under the real header.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SITE_DIR } from './helpers/dev.ts';

const INLINE = [
  { what: 'an inline <script>', pattern: /<script\b(?![^>]*\bsrc=)[^>]*>/gi },
  { what: 'a <style> element', pattern: /<style\b/gi },
  { what: 'a style attribute', pattern: /<[^>]+\sstyle\s*=/gi },
  { what: 'an event handler attribute', pattern: /<[^>]+\son[a-z]+\s*=/gi },
  { what: 'a javascript: URL', pattern: /\bjavascript:/gi },
];

async function siteFiles(extension: string): Promise<string[]> {
  const entries = await readdir(SITE_DIR, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith(extension)).map((entry) => join(entry.parentPath, entry.name));
}

function withoutComments(html: string): string {
  return html.replace(/<!--[\s\S]*?-->/g, '');
}

test('no HTML page of the sample site has inline script, style, event handlers or javascript: URLs', async () => {
  const pages = await siteFiles('.html');
  assert.ok(pages.length >= 2, `pages: ${pages.join(', ')}`);
  for (const page of pages) {
    const html = withoutComments(await readFile(page, 'utf8'));
    for (const { what, pattern } of INLINE) assert.deepEqual(html.match(pattern) ?? [], [], `${page} has ${what}`);
  }
});

test('the checks catch what they look for', () => {
  const bad = '<div style="color:red" onclick="go()"><script>alert(1)</script><style>p{}</style><a href="javascript:go()">x</a></div>';
  for (const { what, pattern } of INLINE) assert.ok((bad.match(pattern) ?? []).length > 0, what);
  assert.deepEqual('<script src="js/counter.js" defer></script>'.match(INLINE[0]?.pattern ?? /$^/) ?? [], []);
});

test("the sample site's scripts use no eval, Function constructor or string timers", async () => {
  for (const script of await siteFiles('.js')) {
    const code = await readFile(script, 'utf8');
    assert.doesNotMatch(code, /\beval\s*\(|\bnew\s+Function\s*\(|set(Timeout|Interval)\s*\(\s*['"`]/, script);
  }
});
