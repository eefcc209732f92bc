// A real Chromium (Debian's package) driven by playwright-core, and the measurements the browser
// tests and bench/dev.ts share. No node:test imports here: bench/dev.ts uses these helpers too.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

import { CHROMIUM_HINT, CHROMIUM_PATH } from './prerequisites.ts';

export { CHROMIUM_PATH };

/** The flags that work in this headless, GPU-less, sandbox-less container and on CI. */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Launches Chromium with a fresh profile. Fails, never skips, when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(CHROMIUM_HINT);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** 60 KB, read as 60 KiB: 60 × 1,024 bytes of decoded (uncompressed) response bodies. */
export const PAGE_WEIGHT_LIMIT_BYTES = 60 * 1024;

export interface LoadedResource {
  url: string;
  status: number;
  bytes: number;
}

/**
 * Loads `url` in a fresh context (empty cache) and sums the decoded body bytes of every response
 * the page received, until the network has been idle for 500 ms (so late requests such as the
 * favicon and the counter's POST are included).
 */
export async function measurePageWeight(browser: Browser, url: string): Promise<{ total: number; resources: LoadedResource[] }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const pending: Promise<LoadedResource>[] = [];
    page.on('response', (response) => {
      pending.push(response.body().then(
        (body) => ({ url: response.url(), status: response.status(), bytes: body.length }),
        () => ({ url: response.url(), status: response.status(), bytes: 0 }), // redirects have no body
      ));
    });
    await page.goto(url, { waitUntil: 'networkidle' });
    await page.waitForSelector('#visitor-counter[data-state="shown"]', { state: 'attached' });
    const resources = await Promise.all(pending);
    return { total: resources.reduce((sum, resource) => sum + resource.bytes, 0), resources };
  } finally {
    await context.close();
  }
}

/** What a page's own code reported, apart from the browser's log of a request that failed. */
export interface ConsoleRecord {
  /** Errors and warnings from the page's scripts (console.error/warn, failed asserts). */
  pageConsole: string[];
  /** Uncaught exceptions and unhandled promise rejections. */
  pageErrors: string[];
  /** Chromium's own "Failed to load resource: …" entries, by URL. */
  networkLog: { url: string; text: string }[];
}

/**
 * Chromium writes "Failed to load resource: net::ERR_… / the server responded with a status of …"
 * to the console for every failed request, including fetch() calls whose failure the page handles.
 * Page scripts cannot suppress it; it carries the failed URL as its location and line 0. It is kept
 * apart so tests can assert that the page's own code logged and threw nothing.
 */
function isBrowserNetworkEntry(message: ConsoleMessage): boolean {
  return message.text().startsWith('Failed to load resource: ') && message.location().lineNumber === 0 && message.args().length === 0;
}

export function recordConsole(page: Page): ConsoleRecord {
  const record: ConsoleRecord = { pageConsole: [], pageErrors: [], networkLog: [] };
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning' && message.type() !== 'assert') return;
    if (isBrowserNetworkEntry(message)) record.networkLog.push({ url: message.location().url, text: message.text() });
    else record.pageConsole.push(`${message.type()}: ${message.text()} (${message.location().url}:${message.location().lineNumber})`);
  });
  page.on('pageerror', (error) => record.pageErrors.push(error.stack ?? error.message));
  return record;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The layout box of `selector` in page coordinates, rounded to 1/100 px. */
export async function layoutBox(page: Page, selector: string): Promise<Box> {
  // A string, not a function: this project compiles without the DOM library.
  const box = await page.evaluate<Box | null>(`(() => {
    const element = document.querySelector(${JSON.stringify(selector)});
    if (!element) return null;
    const r = element.getBoundingClientRect();
    return { x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height };
  })()`);
  if (!box) throw new Error(`no element matches ${selector}`);
  const round = (n: number): number => Math.round(n * 100) / 100;
  return { x: round(box.x), y: round(box.y), width: round(box.width), height: round(box.height) };
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

let axeSource: string | undefined;

/** Injects axe-core into the page and runs every rule on the whole document. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern; a <script> tag would be blocked.
  await page.evaluate(axeSource);
  return page.evaluate<AxeViolation[]>(`axe.run(document).then((results) => results.violations.map((v) => ({
    id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)),
  })))`);
}
