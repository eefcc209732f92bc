// The preview sends the policy's headers (built by src/edge/security-headers.ts, as the CloudFront
// policy is), `verify --url <preview>` passes every check that applies, and Chromium shows the
// sample page, its 404 page and the working counter under the real CSP with zero violations.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parseConfig } from '../src/config.ts';
import { securityHeaders } from '../src/edge/security-headers.ts';
import { launchChromium, recordConsole } from './helpers/browser.ts';
import { runCli } from './helpers/cli.ts';
import { makeDevProject, startDev } from './helpers/dev.ts';
import { useEmulator } from './helpers/emulator.ts';

const browser = await launchChromium();
after(() => browser.close());
const emulator = await useEmulator();
const project = await makeDevProject('headers-preview');
const dev = await startDev(project, { endpointUrl: emulator.endpoint });
after(async () => {
  await dev.stop();
  await rm(project.dir, { recursive: true, force: true });
});
const configPath = join(project.dir, 'resume-infra.json');

/** Every securitypolicyviolation event of the page, recorded from before its first script runs. */
const RECORD_VIOLATIONS = "globalThis.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => globalThis.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));";

async function openUnderCsp(path: string): Promise<{ page: Page; status: number | undefined; headers: Record<string, string>; loaded: string[]; violations: () => Promise<string[]>; cspConsole: () => string[] }> {
  const page = await browser.newPage();
  await page.addInitScript({ content: RECORD_VIOLATIONS });
  const record = recordConsole(page);
  const loaded: string[] = [];
  page.on('response', (response) => loaded.push(`${response.status()} ${new URL(response.url()).pathname}`));
  const response = await page.goto(new URL(path, dev.url).href, { waitUntil: 'networkidle' });
  return {
    page,
    status: response?.status(),
    headers: (await response?.allHeaders()) ?? {},
    loaded,
    violations: () => page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations),
    cspConsole: () => [...record.pageConsole, ...record.networkLog.map((entry) => entry.text)].filter((line) => /Content Security Policy|Content-Security-Policy/i.test(line)),
  };
}

test('verify --url <the preview> passes every check, and skips only the https redirect and the certificate', async () => {
  const run = await runCli(['verify', '-c', configPath, '--url', dev.url]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const statuses = run.stdout.trim().split('\n').slice(0, -1).map((line) => line.split(/\s+/).slice(0, 2).join(' '));
  assert.deepEqual(statuses.filter((line) => !line.startsWith('ok ')), ['skipped https-redirect', 'skipped certificate']);
  assert.match(run.stdout, /verified: http:\/\/localhost:\d+ — 12 ok, 0 failed, 2 skipped/);
});

test('the preview sends the policy\'s headers, built by the same code as the CloudFront policy', async () => {
  const response = await fetch(dev.url);
  await response.arrayBuffer();
  const expected = securityHeaders(parseConfig({ project: project.project }, 'c', '/tmp').headers, new URL(dev.url).origin);
  for (const [name, value] of Object.entries(expected)) assert.equal(response.headers.get(name), value, name);
});

test('Chromium shows / under the CSP with zero violations: the stylesheet applies and the counter works', async () => {
  const opened = await openUnderCsp('/');
  try {
    assert.equal(opened.status, 200);
    assert.match(opened.headers['content-security-policy'] ?? '', /^default-src 'self'; script-src 'self';/);
    await opened.page.waitForSelector('#visitor-counter[data-state="shown"]', { timeout: 15_000 });
    assert.match(await opened.page.textContent('#visitor-counter-text') ?? '', /\d+ views? · \d+ unique visitors?/);
    // The stylesheet, the script and the counter's calls all loaded from the preview (upgrade-insecure-requests leaves localhost alone).
    for (const path of ['/css/style.css', '/js/counter.js', '/config.json', '/count']) assert.ok(opened.loaded.includes(`200 ${path}`), `${path} in ${opened.loaded.join(', ')}`);
    assert.deepEqual(await opened.violations(), []);
    assert.deepEqual(opened.cspConsole(), []);
  } finally {
    await opened.page.close();
  }
});

test('Chromium shows the 404 page under the CSP with zero violations', async () => {
  const opened = await openUnderCsp('/no/such/page');
  try {
    assert.equal(opened.status, 404);
    assert.equal(await opened.page.title(), 'Page not found – Jane Doe');
    assert.ok(opened.headers['content-security-policy'], 'the 404 page carries the CSP');
    assert.deepEqual(await opened.violations(), []);
    assert.deepEqual(opened.cspConsole(), []);
  } finally {
    await opened.page.close();
  }
});

test('the recorder sees a violation when the page breaks the policy (an inline script)', async () => {
  const opened = await openUnderCsp('/');
  try {
    await opened.page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { createElement(tag: string): { textContent: string }; body: { appendChild(node: unknown): void } } }).document;
      const script = doc.createElement('script');
      script.textContent = 'globalThis.inlineRan = true;';
      doc.body.appendChild(script);
    });
    await opened.page.waitForFunction(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations.length > 0, undefined, { timeout: 5_000 });
    assert.match((await opened.violations()).join('\n'), /script-src/);
    assert.equal(await opened.page.evaluate(() => (globalThis as unknown as { inlineRan?: boolean }).inlineRan), undefined);
  } finally {
    await opened.page.close();
  }
});
