// The viewer-request function's generated code: within CloudFront's 10 KB, written in the
// cloudfront-js-2.0 subset, and doing its three jobs (clean URLs, the redirect, the release prefix)
// when run in node:vm with the documented event shape (src/edge/runtime.ts).
//
// What "the cloudfront-js-2.0 subset" is checked as (runtimeSubsetProblems below), all static, so a
// branch no test runs is covered too:
//   1. It compiles as a classic script (`new vm.Script`): no `import`/`export`, no syntax newer
//      than this Node knows.
//   2. esbuild, told that the runtime lacks a syntax feature, must print the code exactly as it
//      prints it otherwise: a feature esbuild had to lower, or refused to lower, is used. The
//      features marked missing are those AWS's runtime 2.0 page does not list (classes,
//      generators, destructuring, for-of, default parameters, object spread and shorthand,
//      optional chaining, ??, logical assignment, dynamic import, import.meta, BigInt,
//      top-level await). Listed ones (const/let, arrow functions, template literals,
//      async/await, rest parameters, **) stay allowed.
//   3. No free reference to a global the runtime does not have: require (except
//      require('cloudfront')), process, module, exports, timers, queueMicrotask, fetch,
//      XMLHttpRequest, WebSocket, eval and Function (dynamic code is disabled), globalThis/global/
//      window/self. esbuild's `define` rewrites only unbound identifiers, so a local variable or a
//      property of the same name is not a false alarm.
//   4. A top-level `function handler(event)`: what CloudFront calls.
// The checker is itself tested on code that breaks each rule, so it can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { transform } from 'esbuild';
import { buildFunctionCode, MAX_FUNCTION_BYTES, readFunctionSettings, type EdgeSettings } from '../src/edge/code.ts';
import { isResponse, runViewerRequest, viewerRequestEvent } from '../src/edge/runtime.ts';

const RELEASE = '0123456789abcdef';
const APEX: EdgeSettings = { domain: 'example.com', redirectFrom: ['www.example.com'], release: RELEASE };

/** Syntax the cloudfront-js-2.0 runtime does not list, by esbuild's feature names. */
const MISSING_SYNTAX = [
  'class', 'class-field', 'class-static-field', 'class-private-field', 'class-private-method', 'class-static-blocks',
  'generator', 'async-generator', 'for-await', 'for-of', 'destructuring', 'default-argument', 'object-rest-spread',
  'object-extensions', 'optional-chain', 'nullish-coalescing', 'logical-assignment', 'dynamic-import', 'import-meta',
  'bigint', 'top-level-await', 'new-target',
] as const;

/** Globals Node or browsers have and the runtime lacks. */
const MISSING_GLOBALS = [
  'require', 'process', 'module', 'exports', '__dirname', '__filename', 'setTimeout', 'setInterval', 'setImmediate',
  'clearTimeout', 'clearInterval', 'clearImmediate', 'queueMicrotask', 'fetch', 'XMLHttpRequest', 'WebSocket', 'eval',
  'Function', 'globalThis', 'global', 'window', 'self',
] as const;

const ALLOWED_MODULES = new Set(['cloudfront']);

async function printed(code: string, unsupported: readonly string[]): Promise<string> {
  const supported = Object.fromEntries(unsupported.map((feature) => [feature, false]));
  return (await transform(code, { loader: 'js', supported })).code;
}

/** Every way `code` leaves the cloudfront-js-2.0 subset; [] when it stays inside. */
async function runtimeSubsetProblems(code: string): Promise<string[]> {
  const problems: string[] = [];
  try {
    new vm.Script(code, { filename: 'viewer-request.js' });
  } catch (error) {
    return [`does not compile as a classic script: ${error instanceof Error ? error.message : String(error)}`];
  }
  const reference = await printed(code, []);
  for (const feature of MISSING_SYNTAX) {
    try {
      if ((await printed(code, [feature])) !== reference) problems.push(`uses ${feature}`);
    } catch {
      problems.push(`uses ${feature}`);
    }
  }
  const marker = (name: string): string => `__runtime_lacks_${name}__`;
  const defined = (await transform(code, { loader: 'js', define: Object.fromEntries(MISSING_GLOBALS.map((name) => [name, marker(name)])) })).code;
  for (const name of MISSING_GLOBALS) {
    const uses = defined.split(marker(name)).length - 1;
    if (name !== 'require') {
      if (uses > 0) problems.push(`uses the global ${name}`);
      continue;
    }
    const allowed = [...defined.matchAll(new RegExp(`${marker(name)}\\(\\s*"([^"]*)"\\s*\\)`, 'g'))].filter((match) => ALLOWED_MODULES.has(match[1] ?? ''));
    if (uses > allowed.length) problems.push("requires a module other than 'cloudfront'");
  }
  // Loading it: the runtime's `require` knows only 'cloudfront' (its key value store helpers).
  const context = vm.createContext({
    require: (name: string) => {
      if (ALLOWED_MODULES.has(name)) return {};
      throw new Error(`no module ${name}`);
    },
  });
  try {
    new vm.Script(code).runInContext(context, { timeout: 1000 });
    if (typeof (context as { handler?: unknown }).handler !== 'function') problems.push('defines no top-level function handler');
  } catch (error) {
    problems.push(`fails when loaded: ${error instanceof Error ? error.message : String(error)}`);
  }
  return problems;
}

function request(uri: string, options: { host?: string; querystring?: string } = {}) {
  return viewerRequestEvent({
    method: 'GET',
    uri,
    querystring: options.querystring ?? '',
    headers: { host: options.host ?? 'example.com', 'user-agent': 'node-test' },
    ip: '203.0.113.7',
  });
}

async function servedUri(code: string, uri: string, host?: string): Promise<string> {
  const result = await runViewerRequest(code, request(uri, { host }));
  assert.ok(!isResponse(result), `${uri} on ${host ?? 'example.com'} was answered by the function instead of passed on`);
  return result.uri;
}

test('the generated code is under CloudFront\'s 10,240 bytes, and its settings read back from it', (t) => {
  const code = buildFunctionCode(APEX);
  const bytes = Buffer.byteLength(code);

  t.diagnostic(`viewer-request function: ${bytes} bytes with one redirect name (limit ${MAX_FUNCTION_BYTES})`);
  assert.equal(MAX_FUNCTION_BYTES, 10_240);
  assert.ok(bytes < MAX_FUNCTION_BYTES, `${bytes} bytes`);
  assert.deepEqual(readFunctionSettings(code), APEX);
});

test('a redirectFrom list that would push the code over 10 KB is refused with the size and the fix', () => {
  const redirectFrom = Array.from({ length: 200 }, (_, index) => `alias-${String(index).padStart(3, '0')}.a-rather-long-subdomain-label.example.com`);

  assert.throws(() => buildFunctionCode({ ...APEX, redirectFrom }), /^Error: the viewer-request function is \d{5,} bytes, over CloudFront's 10240; shorten redirectFrom$/);
});

test('the generated code stays inside the cloudfront-js-2.0 subset, with and without a domain and a release', async () => {
  for (const settings of [APEX, { domain: null, redirectFrom: [], release: '' }, { domain: 'cv.example.org', redirectFrom: [], release: RELEASE }]) {
    assert.deepEqual(await runtimeSubsetProblems(buildFunctionCode(settings)), [], JSON.stringify(settings));
  }
});

test('the subset check refuses code that breaks each rule, and accepts what the runtime lists', async () => {
  const handler = 'function handler(event) { return event.request; }\n';
  const refused: Array<[string, string]> = [
    ['export function handler(event) { return event.request; }', 'does not compile as a classic script'],
    [`${handler}var crypto = require('crypto');`, "requires a module other than 'cloudfront'"],
    [`${handler}var name = 'fs'; var fs = require(name);`, "requires a module other than 'cloudfront'"],
    [`${handler}setTimeout(function () {}, 1);`, 'uses the global setTimeout'],
    [`${handler}function later() { return fetch('https://example.com'); }`, 'uses the global fetch'],
    [`${handler}function env() { return process.env.HOME; }`, 'uses the global process'],
    [`${handler}function dynamic() { return new Function('return 1'); }`, 'uses the global Function'],
    [`${handler}class Page {}`, 'uses class'],
    [`${handler}function first(list) { for (var item of list) return item; }`, 'uses for-of'],
    [`${handler}function host(r) { return r.headers.host?.value; }`, 'uses optional-chain'],
    [`${handler}function host(r) { var { headers } = r; return headers; }`, 'uses destructuring'],
    ['function notTheHandler(event) { return event.request; }', 'defines no top-level function handler'],
  ];
  for (const [code, problem] of refused) {
    const problems = await runtimeSubsetProblems(code);
    assert.ok(problems.some((found) => found.startsWith(problem)), `${JSON.stringify(code)}: expected "${problem}", got ${JSON.stringify(problems)}`);
  }
  const allowed = [
    `var cf = require('cloudfront');\n${handler}`,
    'const base = "/releases/";\nlet count = 2 ** 3;\nasync function handler(event) { const pick = (...names) => names[0]; return await Promise.resolve(event.request); }\nvar s = `${base}x`;',
    // A local or a property named like a missing global is not the global.
    'function handler(event) { var fetch = 1; event.request.process = fetch; return event.request; }',
  ];
  for (const code of allowed) assert.deepEqual(await runtimeSubsetProblems(code), [], code);
});

test('in the vm, / and clean URLs map to index.html under the live release, and a file only gains the prefix', async () => {
  const code = buildFunctionCode(APEX);
  const cases: Array<[string, string]> = [
    ['/', `/releases/${RELEASE}/index.html`],
    ['/about/', `/releases/${RELEASE}/about/index.html`],
    ['/about', `/releases/${RELEASE}/about/index.html`],
    ['/blog/2024/post', `/releases/${RELEASE}/blog/2024/post/index.html`],
    ['/style.css', `/releases/${RELEASE}/style.css`],
    ['/css/style.css', `/releases/${RELEASE}/css/style.css`],
    ['/config.json', `/releases/${RELEASE}/config.json`],
    ['/404.html', `/releases/${RELEASE}/404.html`],
  ];

  const served: Array<[string, string]> = [];
  for (const [uri] of cases) served.push([uri, await servedUri(code, uri)]);
  assert.deepEqual(served, cases);
});

test("with release '' (a site deployed before releases) no prefix is added", async () => {
  const code = buildFunctionCode({ ...APEX, release: '' });

  const served = await Promise.all(['/', '/about/', '/about', '/style.css'].map((uri) => servedUri(code, uri)));
  assert.deepEqual(served, ['/index.html', '/about/index.html', '/about/index.html', '/style.css']);
});

test('Host: www.<domain> gets a 301 to https://<domain> with the path and every query value kept, value-less keys too', async () => {
  const code = buildFunctionCode(APEX);
  const cases: Array<[string, string, string]> = [
    ['/', '', 'https://example.com/'],
    ['/about/', '', 'https://example.com/about/'],
    ['/about', 'ref=mail', 'https://example.com/about?ref=mail'],
    ['/css/style.css', 'tag=a&tag=b&preview&v=2', 'https://example.com/css/style.css?tag=a&tag=b&preview&v=2'],
  ];
  for (const [uri, querystring, location] of cases) {
    const result = await runViewerRequest(code, request(uri, { host: 'www.example.com', querystring }));
    assert.ok(isResponse(result), `${uri}?${querystring} on www.example.com is answered, not passed on`);
    assert.equal(result.statusCode, 301);
    assert.equal(result.headers?.location?.value, location);
  }
  const upperCase = await runViewerRequest(code, request('/', { host: 'WWW.Example.COM' }));
  assert.ok(isResponse(upperCase) && upperCase.statusCode === 301, 'host names are compared without case');
});

test('a host not in redirectFrom is served, and code without a domain never redirects', async () => {
  const withDomain = buildFunctionCode(APEX);
  const withoutDomain = buildFunctionCode({ domain: null, redirectFrom: ['www.example.com'], release: RELEASE });

  assert.equal(await servedUri(withDomain, '/about', 'example.com'), `/releases/${RELEASE}/about/index.html`);
  assert.equal(await servedUri(withDomain, '/about', 'blog.example.com'), `/releases/${RELEASE}/about/index.html`);
  assert.equal(await servedUri(withDomain, '/about', 'd111111abcdef8.cloudfront.net'), `/releases/${RELEASE}/about/index.html`);
  assert.equal(await servedUri(withoutDomain, '/about', 'www.example.com'), `/releases/${RELEASE}/about/index.html`);
});
