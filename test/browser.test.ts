// The resume page in a real browser (Debian's Chromium, driven by playwright-core), served by a real
// `resume-infra dev` on a free port. The preview uses this file's emulator (--endpoint-url), so the
// counter's totals can be read back from its DynamoDB table through the SDK.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import type { Page } from 'playwright-core';
import { freePort } from '../src/emulator.ts';
import { replaceFile } from '../src/files.ts';
import { layoutBox, launchChromium, measurePageWeight, PAGE_WEIGHT_LIMIT_BYTES, pngSize, recordConsole, runAxe } from './helpers/browser.ts';
import { ABOUT_PAGE, makeDevProject, pollUntil, REPO_ROOT, runPreviewCommand, SITE_DIR, startDev } from './helpers/dev.ts';
import { useEmulator } from './helpers/emulator.ts';

const browser = await launchChromium();
after(() => browser.close());
const emulator = await useEmulator();
// The preview sends the site's Content-Security-Policy. Its connect-src names the counter API's
// origin (on AWS another host; in the preview, the preview itself), so the refused-connection case
// below lists loopback ports as the config's `headers.csp` would list a second API host.
const project = await makeDevProject('browser-preview', 'us-east-1', {
  files: { 'about/index.html': ABOUT_PAGE },
  config: { headers: { csp: { 'connect-src': ['http://127.0.0.1:*'] } } },
});
const dev = await startDev(project, { endpointUrl: emulator.endpoint });
after(async () => {
  await dev.stop();
  await rm(project.dir, { recursive: true, force: true });
});

const dynamodb = new DynamoDBClient({
  endpoint: emulator.endpoint,
  region: project.region,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});
const table = `${project.project}-counter`;
const pageUrl = (path: string): string => new URL(path, dev.url).href;
const SCREENSHOT_DIR = join(REPO_ROOT, 'docs', 'screenshots');

/** The sections the issue asks of the template, by id and heading. */
const SECTIONS = [
  ['summary', 'Summary'], ['experience', 'Experience'], ['projects', 'Projects'],
  ['skills', 'Skills'], ['education', 'Education'], ['certifications', 'Certifications'],
] as const;

async function emptyCounterTable(): Promise<void> {
  for await (const page of paginateScan({ client: dynamodb }, { TableName: table, ProjectionExpression: 'pk' })) {
    for (const item of page.Items ?? []) await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { pk: item.pk ?? { S: '' } } }));
  }
}

test('the preview renders the resume: its name as the one h1, the landmarks, every section, with its stylesheet and script', async () => {
  const source = await readFile(join(SITE_DIR, 'index.html'), 'utf8');
  const sourceName = /<h1>([^<]+)<\/h1>/.exec(source)?.[1]?.trim();
  assert.ok(sourceName, 'site/index.html has an <h1>');
  const context = await browser.newContext();
  const page = await context.newPage();
  const assets = new Map<string, { status: number; type: string }>();
  page.on('response', (response) => assets.set(new URL(response.url()).pathname, { status: response.status(), type: response.headers()['content-type'] ?? '' }));

  const response = await page.goto(dev.url);

  assert.equal(response?.status(), 200);
  assert.match(response?.headers()['content-type'] ?? '', /^text\/html/);
  assert.deepEqual(await page.getByRole('heading', { level: 1 }).allInnerTexts(), [sourceName]);
  for (const landmark of ['banner', 'main', 'contentinfo'] as const) assert.equal(await page.getByRole(landmark).count(), 1, `one ${landmark} landmark`);
  for (const [id, heading] of SECTIONS) {
    const h2 = page.locator(`section#${id} > h2`);
    assert.equal(await h2.isVisible(), true, `section #${id} is shown`);
    assert.equal((await h2.innerText()).toLowerCase(), heading.toLowerCase());
  }
  assert.deepEqual(assets.get('/css/style.css'), { status: 200, type: 'text/css; charset=utf-8' });
  assert.match(assets.get('/js/counter.js')?.type ?? 'missing', /^(text|application)\/javascript/);
  // The page's own count is answered before the page goes: one still in flight would land in the
  // next test's empty table.
  await page.waitForSelector('#visitor-counter[data-state="shown"]');
  await context.close();
});

test("the counter shows 1 view on the first load and 2 after a reload, with 1 unique visitor, as the emulator's table holds", async () => {
  // GIVEN a counter that has counted nothing (other tests in this file load the page too)
  await emptyCounterTable();
  const context = await browser.newContext();
  const page = await context.newPage();
  const widget = page.locator('#visitor-counter');

  // WHEN the page is loaded, then reloaded
  await page.goto(dev.url);
  await page.waitForSelector('#visitor-counter[data-state="shown"]');
  const first = { text: await widget.innerText(), views: await widget.getAttribute('data-views'), visitors: await widget.getAttribute('data-visitors') };
  await page.reload();
  await page.waitForSelector('#visitor-counter[data-state="shown"]');
  const second = { text: await widget.innerText(), views: await widget.getAttribute('data-views'), visitors: await widget.getAttribute('data-visitors') };

  // THEN each load counted one view of the same visitor, announced politely, and stored in DynamoDB
  assert.deepEqual(first, { text: '1 view · 1 unique visitor', views: '1', visitors: '1' });
  assert.deepEqual(second, { text: '2 views · 1 unique visitor', views: '2', visitors: '1' });
  assert.equal(await widget.getAttribute('aria-live'), 'polite');
  const totals = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'totals' } }, ConsistentRead: true }));
  assert.deepEqual({ views: totals.Item?.views?.N, visitors: totals.Item?.visitors?.N }, { views: second.views, visitors: second.visitors });
  await context.close();
});

// How the API is "stopped". Chromium itself logs every failed request to the console
// ("Failed to load resource: net::ERR_CONNECTION_REFUSED", "… status of 503", …), for fetch()
// calls the page handles too, and no page script can suppress that; it is the browser's network
// log, not the page's. So the test keeps that entry apart (recordConsole), requires exactly one for
// the failing URL (proving the failure really happened and the listener saw it), and requires
// that the page's own code logged no error or warning and threw nothing.
// The first case is the most honest "API stopped": config.json names an API on a loopback port
// where nothing listens, so the OS really refuses the connection; no request is faked. (On AWS the
// API is on another origin too.) The other two are the API failing (a 503 as API Gateway sends when
// throttling or when the function is down) and a site with no config.json (never deployed).
const failures: { when: string; failingUrl: () => Promise<string>; setUp: (page: Page, failingUrl: string) => Promise<unknown> }[] = [
  {
    when: 'the API host refuses connections',
    failingUrl: async () => `http://127.0.0.1:${await freePort()}/count`,
    setUp: (page, apiUrl) => page.route('**/config.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ apiUrl }) })),
  },
  {
    when: 'the API answers 503 Service Unavailable',
    failingUrl: async () => pageUrl('/count'),
    setUp: (page) => page.route('**/count', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"Service Unavailable"}' })),
  },
  {
    when: 'the site has no config.json',
    failingUrl: async () => pageUrl('/config.json'),
    setUp: (page) => page.route('**/config.json', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: 'Not Found' })),
  },
];

for (const failure of failures) {
  test(`when ${failure.when}, the counter hides itself with no console error from the page and no layout shift`, async () => {
    // A refused host on another port is outside the preview's connect-src, where the CSP itself would
    // stop the request; this case is about an allowed API host that is down, so the CSP is bypassed.
    const context = await browser.newContext({ bypassCSP: failure.when === 'the API host refuses connections' });
    const page = await context.newPage();
    const consoleRecord = recordConsole(page);
    const failingUrl = await failure.failingUrl();
    await failure.setUp(page, failingUrl);
    // config.json is held until the loading state has been measured; the route added last runs first.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/config.json', async (route) => {
      await released;
      await route.fallback();
    });

    await page.goto(dev.url);
    assert.equal(await page.getAttribute('#visitor-counter', 'data-state'), 'loading');
    const loading = [await layoutBox(page, '#visitor-counter'), await layoutBox(page, '.site-footer'), await layoutBox(page, '.site-footer > p:last-child')];
    release();
    await page.waitForSelector('#visitor-counter[data-state="hidden"]', { state: 'attached' });
    await page.waitForLoadState('networkidle');
    const hidden = [await layoutBox(page, '#visitor-counter'), await layoutBox(page, '.site-footer'), await layoutBox(page, '.site-footer > p:last-child')];

    assert.equal(await page.locator('#visitor-counter').isVisible(), false);
    assert.equal(await page.locator('#visitor-counter-text').textContent(), '');
    assert.deepEqual(hidden, loading, 'the counter, the footer and the line below keep their place');
    assert.deepEqual(consoleRecord.pageErrors, []);
    assert.deepEqual(consoleRecord.pageConsole, []);
    assert.deepEqual(consoleRecord.networkLog.map((entry) => entry.url), [failingUrl], 'only the browser\'s own log of the failed request');
    await context.close();
  });
}

test('a missing path returns the 404 page with status 404, styled at any depth', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const assets = new Map<string, number>();
  page.on('response', (response) => assets.set(new URL(response.url()).pathname, response.status()));

  const response = await page.goto(pageUrl('/no/such/page'));

  assert.equal(response?.status(), 404);
  assert.match(response?.headers()['content-type'] ?? '', /^text\/html/);
  assert.deepEqual(await page.getByRole('heading', { level: 1 }).allInnerTexts(), ['Page not found']);
  assert.equal(await page.getByRole('link', { name: 'Back to the resume' }).getAttribute('href'), '/');
  assert.equal(assets.get('/css/style.css'), 200, 'its absolute stylesheet link works from a nested path');
  await context.close();
});

test('nothing overflows horizontally at 320, 375 and 1280 px, and screenshots at 375 and 1280 px are saved for the README', async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  const overflowing: string[] = [];
  for (const width of [320, 375, 1280]) {
    await page.setViewportSize({ width, height: width < 1000 ? 812 : 800 });
    for (const path of ['/', '/no/such/page']) {
      await page.goto(pageUrl(path));
      if (path === '/') await page.waitForSelector('#visitor-counter[data-state="shown"]');
      const [scrollWidth, clientWidth] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, document.documentElement.clientWidth]');
      if (scrollWidth > clientWidth) overflowing.push(`${path} at ${width} px: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`);
      if (path === '/' && width !== 320) {
        // The viewport only, not the full page: it shows the header and the layout, and stays small.
        const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
        assert.deepEqual(pngSize(png), { width, height: width < 1000 ? 812 : 800 });
        assert.ok(png.length < 300 * 1024, `preview-${width}.png is ${png.length} bytes`);
        // Two test runs (on two Node versions) may save it at once.
        await replaceFile(join(SCREENSHOT_DIR, `preview-${width}.png`), png);
      }
    }
  }
  assert.deepEqual(overflowing, []);
  await context.close();
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`axe-core finds no serious or critical accessibility violations on the resume and the 404 page in ${colorScheme} mode`, async () => {
    // bypassCSP: axe is the test's script, injected inline, which the site's policy rightly refuses.
    const context = await browser.newContext({ colorScheme, bypassCSP: true });
    const page = await context.newPage();
    const serious: string[] = [];
    for (const path of ['/', '/no/such/page']) {
      await page.goto(pageUrl(path));
      if (path === '/') await page.waitForSelector('#visitor-counter[data-state="shown"]');
      assert.equal(await page.evaluate<boolean>(`matchMedia('(prefers-color-scheme: ${colorScheme})').matches`), true, `${colorScheme} mode is in effect`);
      for (const violation of await runAxe(page)) {
        if (violation.impact === 'serious' || violation.impact === 'critical') serious.push(`${path} ${violation.impact} ${violation.id}: ${violation.help} at ${violation.targets.join(', ')}`);
      }
    }
    assert.deepEqual(serious, []);
    await context.close();
  });
}

test('the page and everything it loads weigh at most 60 KiB (61,440 bytes) before compression', async (t) => {
  const { total, resources } = await measurePageWeight(browser, dev.url);

  t.diagnostic(`page weight ${total} bytes: ${resources.map((r) => `${new URL(r.url).pathname} ${r.bytes}`).join(', ')}`);
  const loaded = resources.map((resource) => new URL(resource.url).pathname).sort();
  assert.deepEqual(loaded, ['/', '/config.json', '/count', '/css/style.css', '/favicon.svg', '/js/counter.js'], 'every request the page makes is counted');
  assert.ok(resources.every((resource) => resource.status === 200 && resource.bytes > 0), JSON.stringify(resources));
  assert.ok(total <= PAGE_WEIGHT_LIMIT_BYTES, `the page loads ${total} bytes; the limit is ${PAGE_WEIGHT_LIMIT_BYTES}`);
});

test('/about/ and /about show the about page: clean URLs through the function, in the browser', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  for (const path of ['/about/', '/about']) {
    const response = await page.goto(pageUrl(path));
    assert.equal(response?.status(), 200, path);
    assert.equal(new URL(page.url()).pathname, path, 'served in place, not redirected');
    assert.deepEqual(await page.getByRole('heading', { level: 1 }).allInnerTexts(), ['About this page'], path);
  }
  await context.close();
});

test('after a rollback, Chromium shows the previous release, and a missing path the 404 page with status 404', async () => {
  const index = join(project.siteDir, 'index.html');
  const source = await readFile(index, 'utf8');
  const before = /<h1>([^<]+)<\/h1>/.exec(source)?.[1]?.trim();
  assert.ok(before, 'index.html has an <h1>');
  const context = await browser.newContext();
  const page = await context.newPage();
  const heading = async (): Promise<string[]> => page.getByRole('heading', { level: 1 }).allInnerTexts();

  // GIVEN release B, a saved edit the preview deployed
  const edited = `Release B ${Date.now()}`;
  await writeFile(index, source.replace(/<h1>[^<]*<\/h1>/, `<h1>${edited}</h1>`));
  const shown = await pollUntil(async () => {
    await page.goto(dev.url);
    return (await heading()).includes(edited) ? true : undefined;
  }, 15_000);
  assert.ok(shown, `the edit did not show within 15 s; dev's stderr:\n${dev.stderr()}`);

  // WHEN the preview is rolled back with the command dev printed
  const rolledBack = await runPreviewCommand(dev, 'rollback');
  assert.equal(rolledBack.code, 0, rolledBack.stderr);

  // THEN the next load shows release A, and a missing page is the 404 page
  const response = await page.reload();
  assert.equal(response?.status(), 200);
  assert.deepEqual(await heading(), [before]);
  const missing = await page.goto(pageUrl('/gone/after/rollback'));
  assert.equal(missing?.status(), 404);
  assert.deepEqual(await heading(), ['Page not found']);
  await context.close();
});

test('stopping the preview with SIGINT (Ctrl-C) frees its port and leaves the emulator it was given running', async () => {
  const stopped = await dev.stop();

  assert.deepEqual(stopped, { code: 130, signal: null, forced: false }, dev.stderr());
  assert.doesNotMatch(dev.stderr(), /hit a bug/);
  await assert.rejects(fetch(dev.url), 'nothing answers on the preview port any more');
  const totals = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'totals' } } }));
  assert.ok(totals.Item, 'the emulator still answers and still holds the counter');
});
