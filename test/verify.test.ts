// `verify` against a small HTTP server built here, serving a site as the preview does (plain http
// on loopback), whole and then broken one way at a time: each break fails with a precise line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { securityHeaders } from '../src/edge/security-headers.ts';
import { parseConfig } from '../src/config.ts';
import { runCli } from './helpers/cli.ts';

interface Breakage {
  dropHeader?: string;
  notFoundStatus?: number;
  corsAnswer?: string;
  noConfigJson?: boolean;
  noRedirect?: boolean;
}

const CONFIG = { project: 'jane-resume', headers: { csp: { 'connect-src': ['https://analytics.example.com'] } } };
const settings = parseConfig(CONFIG, 'c', '/tmp').headers;
const requests: string[] = [];
let breakage: Breakage = {};

const server: Server = createServer((request, response) => {
  requests.push(`${request.method} ${request.url}`);
  const origin = `http://${request.headers.host}`;
  const url = new URL(request.url ?? '/', origin);
  const headers: Record<string, string> = { ...securityHeaders(settings, origin) };
  if (breakage.dropHeader) delete headers[breakage.dropHeader];
  if (request.headers.host === 'www.example.com' && !breakage.noRedirect) {
    response.writeHead(301, { location: `https://example.com${request.url ?? '/'}` }).end();
  } else if (url.pathname === '/count') {
    const cors = breakage.corsAnswer ?? (request.headers.origin === origin ? origin : undefined);
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...(cors ? { 'access-control-allow-origin': cors } : {}) });
    response.end('{"views":3,"visitors":2}');
  } else if (url.pathname === '/') {
    response.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html><title>Jane</title></html>');
  } else if (url.pathname === '/config.json' && !breakage.noConfigJson) {
    response.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify({ apiUrl: `${origin}/count` }));
  } else {
    response.writeHead(breakage.notFoundStatus ?? 404, { ...headers, 'content-type': 'text/html' }).end('<!doctype html><html><title>Page not found</title></html>');
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => server.close());
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;
const siteUrl = `http://127.0.0.1:${port}`;
const dir = await mkdtemp(join(tmpdir(), 'verify-'));
const configPath = join(dir, 'resume-infra.json');
await writeFile(configPath, JSON.stringify(CONFIG));
const apexConfigPath = join(dir, 'apex.json');
await writeFile(apexConfigPath, JSON.stringify({ ...CONFIG, domain: 'example.com' }));

async function verify(broken: Breakage, ...flags: string[]) {
  breakage = broken;
  requests.length = 0;
  return runCli(['verify', '-c', configPath, '--url', siteUrl, ...flags]);
}

function lineOf(stdout: string, check: string): string {
  const line = stdout.split('\n').find((candidate) => new RegExp(`^\\S+\\s+${check.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`).test(candidate));
  assert.ok(line, `no line for ${check} in:\n${stdout}`);
  return line;
}

test('verify passes a whole site, skips the https checks on plain-http localhost with the reason, and sends only GETs', async () => {
  const run = await verify({});
  assert.equal(run.code, 0, run.stdout + run.stderr);
  for (const check of ['home', 'not-found', 'header content-security-policy', 'header strict-transport-security', 'header permissions-policy', 'header server-timing', 'counter', 'counter-cors', 'config.json']) {
    assert.match(lineOf(run.stdout, check), /^ok /);
  }
  assert.match(lineOf(run.stdout, 'https-redirect'), /^skipped https-redirect +skipped: the preview serves plain http on localhost, with no https to redirect to$/);
  assert.match(lineOf(run.stdout, 'certificate'), /^skipped certificate +skipped: the preview serves plain http on localhost, with no certificate$/);
  assert.match(run.stdout, /verified: http:\/\/127\.0\.0\.1:\d+ — 12 ok, 0 failed, 2 skipped in \d+\.\d\ds\n$/);
  assert.ok(requests.length >= 6 && requests.every((line) => line.startsWith('GET ')), requests.join(', '));
});

test('a dropped header fails its check, naming the value expected and "(missing)"', async () => {
  const run = await verify({ dropHeader: 'x-frame-options' });
  assert.equal(run.code, 1);
  assert.equal(lineOf(run.stdout, 'header x-frame-options').replace(/ +/g, ' '), 'failed header x-frame-options expected "DENY"; seen (missing)');
  assert.match(run.stdout, /verify failed: .* 11 ok, 1 failed, 2 skipped/);
});

test('a 404 page served with status 200 fails the not-found check', async () => {
  const run = await verify({ notFoundStatus: 200 });
  assert.equal(run.code, 1);
  assert.match(lineOf(run.stdout, 'not-found'), /^failed +not-found +expected 404 with the 404 page \(text\/html\); seen 200 with an HTML page for \/resume-infra-verify-[0-9a-f]{8}\/missing$/);
});

test('a counter answering CORS with * fails the counter-cors check', async () => {
  const run = await verify({ corsAnswer: '*' });
  assert.equal(run.code, 1);
  assert.equal(lineOf(run.stdout, 'counter-cors').replace(/ +/g, ' '),
    `failed counter-cors expected access-control-allow-origin ${siteUrl} or none (same origin) for the site, none for https://verify.invalid; seen * for the site, * for https://verify.invalid`);
  assert.match(lineOf(run.stdout, 'counter'), /^ok /);
});

test('a missing config.json fails its check with the status seen', async () => {
  const run = await verify({ noConfigJson: true });
  assert.equal(run.code, 1);
  assert.equal(lineOf(run.stdout, 'config.json').replace(/ +/g, ' '), `failed config.json expected config.json naming ${siteUrl}/count; seen 404 for /config.json`);
});

test('--json gives the checks as data', async () => {
  const run = await verify({ dropHeader: 'content-security-policy' }, '--json');
  assert.equal(run.code, 1);
  const document = JSON.parse(run.stdout) as { ok: boolean; url: string; checks: Array<{ name: string; status: string; expected: string; seen: string }> };
  assert.equal(document.ok, false);
  assert.equal(document.url, siteUrl);
  const csp = document.checks.find((check) => check.name === 'header content-security-policy');
  assert.equal(csp?.status, 'failed');
  assert.equal(csp?.seen, '(missing)');
  assert.match(csp?.expected ?? '', new RegExp(`connect-src 'self' ${siteUrl.replaceAll('.', '\\.')} https://analytics\\.example\\.com;`));
});

test('a site that does not answer fails every check with the reason, not a crash', async () => {
  const run = await runCli(['verify', '-c', configPath, '--url', 'http://127.0.0.1:9']);
  assert.equal(run.code, 1, run.stderr);
  assert.match(lineOf(run.stdout, 'home'), /^failed +home +expected 200 with content-type text\/html; seen no answer \(ECONNREFUSED\)$/);
});

test('a --url that is not an http(s) URL is a one-line error', async () => {
  const run = await runCli(['verify', '-c', configPath, '--url', 'ftp://example.com']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /--url "ftp:\/\/example\.com" is not an http\(s\) URL; use one like https:\/\/resume\.example\.com/);
});

test('with an apex domain, www.<domain> must answer 301 to the domain keeping path and query; asked of the preview in the Host header', async () => {
  breakage = {};
  const good = await runCli(['verify', '-c', apexConfigPath, '--url', siteUrl]);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(lineOf(good.stdout, 'redirect www.example.com'), /^ok +redirect www\.example\.com +expected 301 to https:\/\/example\.com\/resume-infra-verify\?check=redirect; seen 301 to https:\/\/example\.com\/resume-infra-verify\?check=redirect$/);
  breakage = { noRedirect: true };
  const broken = await runCli(['verify', '-c', apexConfigPath, '--url', siteUrl]);
  assert.equal(broken.code, 1);
  assert.match(lineOf(broken.stdout, 'redirect www.example.com'), /^failed +redirect www\.example\.com +expected 301 to https:\/\/example\.com\/resume-infra-verify\?check=redirect; seen 404 to \(no location\)$/);
});
