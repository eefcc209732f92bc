// The security headers: the `headers` config's checks, and the exact values built from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../src/config.ts';
import { configProblem } from './helpers/config-problem.ts';
import { contentSecurityPolicy, responseHeadersPolicyConfig, securityHeaders, type HeadersSettings } from '../src/edge/security-headers.ts';

const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
const BASE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
  + `connect-src 'self' ${API}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; upgrade-insecure-requests`;

function headersOf(headers: unknown): HeadersSettings {
  return parseConfig({ project: 'jane-resume', headers }, 'resume-infra.json', '/tmp').headers;
}

function problemOf(headers: unknown): string {
  return configProblem({ project: 'jane-resume', headers });
}

test('without a headers key the defaults are no extensions, no unsafe keywords and no preload', () => {
  const config = parseConfig({ project: 'jane-resume' }, 'c', '/tmp');
  assert.deepEqual(config.headers, { csp: {}, allowUnsafe: false, hstsPreload: false });
});

test('the base headers have the exact values of the policy', () => {
  assert.deepEqual(securityHeaders(headersOf({}), API), {
    'strict-transport-security': 'max-age=63072000; includeSubDomains',
    'content-security-policy': BASE_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  });
});

test('hstsPreload adds preload to HSTS and to the policy, and only then', () => {
  assert.equal(securityHeaders(headersOf({ hstsPreload: true }), API)['strict-transport-security'], 'max-age=63072000; includeSubDomains; preload');
  const config = responseHeadersPolicyConfig('jane-resume-headers', 'c', headersOf({ hstsPreload: true }), API);
  assert.deepEqual(config.SecurityHeadersConfig?.StrictTransportSecurity, { Override: true, AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Preload: true });
  const off = responseHeadersPolicyConfig('jane-resume-headers', 'c', headersOf({}), API);
  assert.equal(off.SecurityHeadersConfig?.StrictTransportSecurity?.Preload, false);
});

test('headers.csp extends a directive after its base sources, keeping the API origin in connect-src', () => {
  const csp = contentSecurityPolicy(headersOf({ csp: { 'connect-src': ['https://analytics.example.com'], 'img-src': ['https://img.example.com'] } }), API);
  assert.match(csp, new RegExp(`connect-src 'self' ${API.replaceAll('.', '\\.')} https://analytics\\.example\\.com;`));
  assert.match(csp, /img-src 'self' data: https:\/\/img\.example\.com;/);
  assert.match(csp, /; upgrade-insecure-requests$/);
});

test("extending a 'none' directive replaces 'none', and a directive left to default-src starts from 'self'", () => {
  const csp = contentSecurityPolicy(headersOf({ csp: { 'object-src': ['https://embed.example.com'], 'media-src': ['https://media.example.com'] } }), API);
  assert.match(csp, /object-src https:\/\/embed\.example\.com;/);
  assert.match(csp, /media-src 'self' https:\/\/media\.example\.com;/);
});

test('an unknown CSP directive is an error naming the known ones', () => {
  assert.equal(problemOf({ csp: { 'scripts-src': ['https://cdn.example.com'] } }),
    'resume-infra.json has 1 problem: headers.csp.scripts-src ["https://cdn.example.com"] is not a CSP directive the policy can extend; known: '
    + 'default-src, script-src, style-src, img-src, font-src, connect-src, object-src, base-uri, form-action, frame-ancestors, media-src, frame-src, worker-src, manifest-src');
});

test("'unsafe-inline' and 'unsafe-eval' are refused unless allowUnsafe is true", () => {
  assert.match(problemOf({ csp: { 'script-src': ["'unsafe-inline'"] } }), /headers\.csp\.script-src\.0 "'unsafe-inline'" is refused: .*set "headers\.allowUnsafe": true/);
  assert.match(problemOf({ csp: { 'script-src': ["'unsafe-eval'"] } }), /headers\.csp\.script-src\.0 "'unsafe-eval'" is refused/);
  const allowed = headersOf({ allowUnsafe: true, csp: { 'style-src': ["'unsafe-inline'"] } });
  assert.match(contentSecurityPolicy(allowed, API), /style-src 'self' 'unsafe-inline';/);
});

test('a source with a space, semicolon or comma is refused as not one source', () => {
  for (const bad of ['https://a.example.com https://b.example.com', "https://a.example.com; script-src 'unsafe-inline'", 'https://a.example.com,https://b.example.com']) {
    assert.match(problemOf({ csp: { 'connect-src': [bad] } }), /headers\.csp\.connect-src\.0 .* is not one CSP source: it holds whitespace, ";" or ","/);
  }
});

test('a source that is no CSP source expression is refused, and every problem is reported at once', () => {
  const message = problemOf({ csp: { 'connect-src': ['self', 'http://[::1]', 'https://ok.example.com'], 'img-src': ["'none'"] } });
  assert.match(message, /has 3 problems: \(1\) headers\.csp\.connect-src\.0 "self" is a CSP keyword without its single quotes; write "'self'"; \(2\) headers\.csp\.connect-src\.1 "http:\/\/\[::1\]" is not a CSP source expression; .*\(3\) headers\.csp\.img-src\.0 "'none'" cannot extend a directive/);
});

test('schemes, wildcard hosts, ports, paths and hashes are valid sources', () => {
  const sources = ['https:', 'https://*.example.com', 'https://example.com:8443/api/', "'sha256-abc+/=='", 'wss://live.example.com'];
  const csp = contentSecurityPolicy(headersOf({ csp: { 'connect-src': sources } }), API);
  assert.ok(csp.includes(sources.join(' ')));
});

test('the CloudFront policy carries the same values: security headers overridden, Permissions-Policy custom, Server-Timing off', () => {
  const settings = headersOf({ csp: { 'connect-src': ['https://analytics.example.com'] } });
  const headers = securityHeaders(settings, API);
  assert.deepEqual(responseHeadersPolicyConfig('jane-resume-headers', 'resume-infra jane-resume: security headers', settings, API), {
    Name: 'jane-resume-headers',
    Comment: 'resume-infra jane-resume: security headers',
    SecurityHeadersConfig: {
      StrictTransportSecurity: { Override: true, AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Preload: false },
      ContentSecurityPolicy: { Override: true, ContentSecurityPolicy: headers['content-security-policy'] },
      ContentTypeOptions: { Override: true },
      FrameOptions: { Override: true, FrameOption: 'DENY' },
      ReferrerPolicy: { Override: true, ReferrerPolicy: 'strict-origin-when-cross-origin' },
    },
    CustomHeadersConfig: { Quantity: 1, Items: [{ Header: 'Permissions-Policy', Value: headers['permissions-policy'], Override: true }] },
    ServerTimingHeadersConfig: { Enabled: false },
  });
});

test('a policy longer than CloudFront allows is refused with its length', () => {
  const many = Array.from({ length: 80 }, (_, index) => `https://host${index}.analytics.example.com`);
  assert.throws(() => contentSecurityPolicy(headersOf({ csp: { 'connect-src': many } }), API), /Content-Security-Policy of \d+ characters, over CloudFront's 1783; remove some sources/);
});
