// The viewer-request runtime that `dev`, the emulator's stand-in and the tests share: CloudFront's
// event shape, and a handler run in node:vm with the runtime's limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeFunctionError, isResponse, runViewerRequest, viewerRequestEvent } from '../src/edge/runtime.ts';

test('viewerRequestEvent builds the documented event shape, with the Host header and cookies split out', () => {
  const event = viewerRequestEvent({
    uri: '/about/',
    querystring: 'a=1&b=x%20y&a=2&flag',
    headers: { Host: 'www.example.com', 'Accept-Language': 'en', Cookie: 'theme=dark; id=42' },
    ip: '203.0.113.9',
  });
  assert.equal(event.version, '1.0');
  assert.equal(event.context.eventType, 'viewer-request');
  assert.equal(typeof event.context.requestId, 'string');
  assert.deepEqual(event.viewer, { ip: '203.0.113.9' });
  assert.equal(event.request.method, 'GET');
  assert.equal(event.request.uri, '/about/');
  assert.deepEqual(event.request.headers, { host: { value: 'www.example.com' }, 'accept-language': { value: 'en' } });
  assert.deepEqual(event.request.cookies, { theme: { value: 'dark' }, id: { value: '42' } });
  assert.deepEqual(event.request.querystring, {
    a: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] },
    b: { value: 'x%20y' },
    flag: { value: '' },
  });
});

test("viewerRequestEvent takes Node's request.headers as is: lists become multiValue, undefined is skipped", () => {
  const event = viewerRequestEvent({ uri: '/', headers: { 'x-forwarded-for': ['198.51.100.1', '198.51.100.2'], accept: undefined, cookie: 'a=1' } });
  assert.deepEqual(event.request.headers, { 'x-forwarded-for': { value: '198.51.100.1', multiValue: [{ value: '198.51.100.1' }, { value: '198.51.100.2' }] } });
  assert.deepEqual(event.request.cookies, { a: { value: '1' } });
});

test('viewerRequestEvent takes URLSearchParams and keeps their values percent-encoded as in the URL', () => {
  const event = viewerRequestEvent({ method: 'HEAD', uri: '/', querystring: new URLSearchParams({ q: 'a b&c' }) });
  assert.equal(event.request.method, 'HEAD');
  assert.deepEqual(event.request.querystring, { q: { value: 'a%20b%26c' } });
  assert.deepEqual(event.request.headers, {});
});

test('a handler that rewrites the uri returns the request with the new uri and everything else kept', async () => {
  const code = `function handler(event) {
    var request = event.request;
    if (request.uri.endsWith('/')) request.uri += 'index.html';
    request.headers['x-seen'] = { value: request.headers.host.value };
    return request;
  }`;
  const result = await runViewerRequest(code, viewerRequestEvent({ uri: '/about/', headers: { host: 'example.com' }, querystring: 'x=1' }));
  assert.equal(isResponse(result), false);
  assert.ok(!isResponse(result));
  assert.equal(result.uri, '/about/index.html');
  assert.deepEqual(result.headers, { host: { value: 'example.com' }, 'x-seen': { value: 'example.com' } });
  assert.deepEqual(result.querystring, { x: { value: '1' } });
});

test('a handler that answers a 301 returns a response the type guard recognises', async () => {
  const code = `function handler(event) {
    return { statusCode: 301, statusDescription: 'Moved Permanently',
      headers: { location: { value: 'https://example.com' + event.request.uri } } };
  }`;
  const result = await runViewerRequest(code, viewerRequestEvent({ uri: '/cv', headers: { host: 'www.example.com' } }));
  assert.ok(isResponse(result));
  assert.equal(result.statusCode, 301);
  assert.deepEqual(result.headers, { location: { value: 'https://example.com/cv' } });
});

test('an async handler and a const handler are awaited and their console.log lines collected', async () => {
  const lines: string[] = [];
  const code = `const handler = async (event) => {
    const suffix = await Promise.resolve('index.html');
    console.log('rewriting', event.request.uri, { n: 1 });
    return { ...event.request, uri: event.request.uri + suffix };
  };`;
  const result = await runViewerRequest(code, viewerRequestEvent({ uri: '/' }), { log: (line) => lines.push(line) });
  assert.ok(!isResponse(result));
  assert.equal(result.uri, '/index.html');
  assert.deepEqual(lines, ['rewriting / {"n":1}']);
});

test('an error thrown or rejected by the handler surfaces with its message', async () => {
  await assert.rejects(runViewerRequest('function handler(event) { throw new Error("boom at " + event.request.uri); }', viewerRequestEvent({ uri: '/x' })), (error: unknown) => error instanceof EdgeFunctionError && error.message === 'boom at /x');
  await assert.rejects(runViewerRequest('async function handler() { throw new TypeError("late boom"); }', viewerRequestEvent({ uri: '/' })), /late boom/);
});

test('code that does not load, lacks a handler, or returns nothing is refused with a clear error', async () => {
  const event = viewerRequestEvent({ uri: '/' });
  await assert.rejects(runViewerRequest('function handler(event) {', event), /does not load/);
  await assert.rejects(runViewerRequest('function main(event) { return event.request; }', event), /no top-level function handler/);
  await assert.rejects(runViewerRequest('function handler(event) {}', event), /returned undefined, not a request or a response/);
});

test('the runtime offers no require, process, timers or eval, and each run starts from a fresh scope', async () => {
  const probe = `var counter = (typeof counter === 'number' ? counter : 0) + 1;
  function handler(event) {
    return { statusCode: 200, body: [typeof require, typeof process, typeof setTimeout, typeof fetch, counter].join(',') };
  }`;
  const event = viewerRequestEvent({ uri: '/' });
  const first = await runViewerRequest(probe, event);
  const second = await runViewerRequest(probe, event);
  assert.ok(isResponse(first) && isResponse(second));
  assert.equal(first.body, 'undefined,undefined,undefined,undefined,1');
  assert.equal(second.body, 'undefined,undefined,undefined,undefined,1');
  await assert.rejects(runViewerRequest('function handler(event) { return eval("event.request"); }', event), /Code generation from strings disallowed/);
});

test('a handler that never finishes is stopped by the timeout, sync or async', async () => {
  const event = viewerRequestEvent({ uri: '/' });
  await assert.rejects(runViewerRequest('function handler() { for (;;) {} }', event, { timeoutMs: 50 }), /did not finish: Script execution timed out/);
  await assert.rejects(runViewerRequest('function handler() { return new Promise(() => {}); }', event), /did not settle within 1000 ms/);
});
