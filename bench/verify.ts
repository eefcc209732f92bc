// `verify` against the local preview, as a user runs it, and the response headers as Chromium sees them.
// Starts one `resume-infra dev` (with its own emulator, warm by the time it says ready), then:
//  - runs `resume-infra verify --url <preview> --json` N times as a child process: wall time of the
//    whole command (Node start, config load, every check) and the checks' own time it reports;
//  - loads the page in Chromium and prints the headers of the document response and the CSP
//    violations the page raised (securitypolicyviolation events).
// Run: npx tsx bench/verify.ts [runs]   (default 10; needs moto_server and /usr/bin/chromium)
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { launchChromium } from '../test/helpers/browser.ts';
import { BIN, makeDevProject, startDev } from '../test/helpers/dev.ts';
import { median } from './stats.ts';

const runs = Math.max(Number(process.argv[2] ?? 10), 1);

function summary(values: readonly number[]): string {
  return `${(median(values) ?? 0).toFixed(0)} | ${Math.min(...values).toFixed(0)} | ${Math.max(...values).toFixed(0)}`;
}

const project = await makeDevProject('bench-verify');
const dev = await startDev(project);
const wall: number[] = [];
const checks: number[] = [];
let lastReport = '';
try {
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [BIN, 'verify', '--url', dev.url, '--json'], { cwd: project.dir, encoding: 'utf8' });
    wall.push(performance.now() - started);
    const report = JSON.parse(result.stdout) as { ok: boolean; seconds: number; checks: Array<{ name: string; status: string }> };
    checks.push(report.seconds * 1000);
    lastReport = `exit ${result.status}, ${report.checks.filter((entry) => entry.status === 'ok').length} ok, ${report.checks.filter((entry) => entry.status === 'failed').map((entry) => entry.name).join(', ') || 'none'} failed, ${report.checks.filter((entry) => entry.status === 'skipped').length} skipped`;
  }

  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    // A string, so this file needs no DOM types: every violation the page raises is kept.
    await page.addInitScript({ content: "globalThis.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => globalThis.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));" });
    const response = await page.goto(dev.url, { waitUntil: 'networkidle' });
    const headers = (await response?.allHeaders()) ?? {};
    const violations = await page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations);

    console.log(`# verify against dev (${runs} runs, warm emulator, ${new Date().toISOString()})\n`);
    console.log('| measure | median ms | min | max |\n|---|---|---|---|');
    console.log(`| \`resume-infra verify --url ${dev.url.replace(/:\d+$/, ':PORT')}\`, whole command | ${summary(wall)} |`);
    console.log(`| the checks alone (as verify reports them) | ${summary(checks)} |`);
    console.log(`\nlast run: ${lastReport}\n`);
    console.log(`# response headers of GET / as Chromium sees them (${dev.url})\n`);
    for (const [name, value] of Object.entries(headers).sort(([a], [b]) => a.localeCompare(b))) console.log(`${name}: ${value}`);
    console.log(`\nCSP violations on /: ${violations.length === 0 ? 'none' : violations.join('; ')}`);
  } finally {
    await browser.close();
  }
} finally {
  await dev.stop();
  await rm(project.dir, { recursive: true, force: true });
}
