// The security headers the site sends, built in one place: the CloudFront response headers policy
// (src/resources/headers-policy.ts), `dev` and `verify` all take their values from here.
import type { ResponseHeadersPolicyConfig } from '@aws-sdk/client-cloudfront';
import { UserError } from '../errors.ts';

/** The base Content-Security-Policy, directive by directive; `connect-src` gains the counter API's origin. */
const BASE_CSP: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['default-src', ["'self'"]],
  ['script-src', ["'self'"]],
  ['style-src', ["'self'"]],
  ['img-src', ["'self'", 'data:']],
  ['font-src', ["'self'"]],
  ['connect-src', ["'self'"]],
  ['object-src', ["'none'"]],
  ['base-uri', ["'self'"]],
  ['form-action', ["'self'"]],
  ['frame-ancestors', ["'none'"]],
];
/**
 * Fetch directives the base leaves to `default-src 'self'`; extending one writes it out with
 * `'self'` first, so what `default-src` allowed stays allowed.
 */
const FALLBACK_DIRECTIVES = ['media-src', 'frame-src', 'worker-src', 'manifest-src'] as const;

/** The directives `headers.csp` may extend. */
export const CSP_DIRECTIVES: readonly string[] = [...BASE_CSP.map(([name]) => name), ...FALLBACK_DIRECTIVES];

/** Keywords that reopen what the policy is for; refused unless `headers.allowUnsafe` is true. */
export const UNSAFE_SOURCES = ["'unsafe-inline'", "'unsafe-eval'"] as const;

/**
 * One CSP source expression (CSP3 `source-expression`): a quoted keyword, nonce or hash; a
 * scheme like `https:`; or a host source like `https://*.example.com:443/path`. Never whitespace,
 * `;` or `,`, which would end the source, the directive or the policy.
 */
const KEYWORDS = ['self', 'none', 'unsafe-inline', 'unsafe-eval', 'unsafe-hashes', 'strict-dynamic', 'report-sample', 'wasm-unsafe-eval'];
const SOURCE_PATTERN = new RegExp([
  `^'(${KEYWORDS.join('|')})'$`,
  "^'(nonce-[A-Za-z0-9+/_=-]+|sha(256|384|512)-[A-Za-z0-9+/_=-]+)'$",
  '^[a-z][a-z0-9+.-]*:$',
  "^([a-z][a-z0-9+.-]*://)?(\\*|(\\*\\.)?[a-z0-9-]+(\\.[a-z0-9-]+)*)(:(\\d{1,5}|\\*))?(/[^\\s;,']*)?$",
].join('|'), 'i');

/** Why `source` cannot go into the policy, or undefined when it can. */
export function cspSourceProblem(source: string, allowUnsafe: boolean): string | undefined {
  if (/[\s;,]/.test(source)) return 'is not one CSP source: it holds whitespace, ";" or ","; give each source as its own string';
  if (KEYWORDS.includes(source.toLowerCase())) return `is a CSP keyword without its single quotes; write "'${source}'"`;
  if (!SOURCE_PATTERN.test(source)) return `is not a CSP source expression; use a host like "https://analytics.example.com", a scheme like "https:", or a quoted keyword like "'self'"`;
  if (source.toLowerCase() === "'none'") return "cannot extend a directive: 'none' stands only alone; remove it";
  if (!allowUnsafe && (UNSAFE_SOURCES as readonly string[]).includes(source.toLowerCase())) return 'is refused: it would allow inline or eval\'d script; set "headers.allowUnsafe": true if you really need it';
  return undefined;
}

export interface HeadersSettings {
  /** Extra sources per directive, added after the base ones. */
  csp: Record<string, string[]>;
  allowUnsafe: boolean;
  hstsPreload: boolean;
}

/** Two years, the value hstspreload.org asks for. */
export const HSTS_MAX_AGE_SECONDS = 63072000;
export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), interest-cohort=()';
/** CloudFront's limit on the ContentSecurityPolicy value of a response headers policy. */
export const MAX_CSP_LENGTH = 1783;

/** The Content-Security-Policy value: the base, `connect-src` with the API's origin, then the config's extensions. */
export function contentSecurityPolicy(settings: HeadersSettings, apiOrigin: string): string {
  const directives = new Map<string, string[]>(BASE_CSP.map(([name, sources]) => [name, [...sources]]));
  directives.get('connect-src')?.push(apiOrigin);
  for (const name of FALLBACK_DIRECTIVES) if (settings.csp[name]) directives.set(name, ["'self'"]);
  for (const [name, extra] of Object.entries(settings.csp)) {
    const current = directives.get(name);
    if (!current) throw new UserError(`headers.csp "${name}" is not a directive this policy sets; use one of ${CSP_DIRECTIVES.join(', ')}`);
    // 'none' beside another source is not allowed by CSP: the extension replaces it.
    const kept = current.filter((source) => source !== "'none'");
    directives.set(name, [...new Set([...kept, ...extra])]);
  }
  const policy = [...directives].map(([name, sources]) => `${name} ${sources.join(' ')}`).concat('upgrade-insecure-requests').join('; ');
  if (policy.length > MAX_CSP_LENGTH) throw new UserError(`headers.csp makes a Content-Security-Policy of ${policy.length} characters, over CloudFront's ${MAX_CSP_LENGTH}; remove some sources`);
  return policy;
}

export function strictTransportSecurity(settings: HeadersSettings): string {
  return `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains${settings.hstsPreload ? '; preload' : ''}`;
}

/** Every header the site sends, by lowercase name, with its exact value. */
export function securityHeaders(settings: HeadersSettings, apiOrigin: string): Record<string, string> {
  return {
    'strict-transport-security': strictTransportSecurity(settings),
    'content-security-policy': contentSecurityPolicy(settings, apiOrigin),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'permissions-policy': PERMISSIONS_POLICY,
  };
}

/** The response headers policy that makes CloudFront send `securityHeaders` (overriding the origin's), with Server-Timing off. */
export function responseHeadersPolicyConfig(name: string, comment: string, settings: HeadersSettings, apiOrigin: string): ResponseHeadersPolicyConfig {
  const headers = securityHeaders(settings, apiOrigin);
  return {
    Name: name,
    Comment: comment,
    SecurityHeadersConfig: {
      StrictTransportSecurity: { Override: true, AccessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS, IncludeSubdomains: true, Preload: settings.hstsPreload },
      ContentSecurityPolicy: { Override: true, ContentSecurityPolicy: headers['content-security-policy'] },
      ContentTypeOptions: { Override: true },
      FrameOptions: { Override: true, FrameOption: 'DENY' },
      ReferrerPolicy: { Override: true, ReferrerPolicy: 'strict-origin-when-cross-origin' },
    },
    CustomHeadersConfig: { Quantity: 1, Items: [{ Header: 'Permissions-Policy', Value: PERMISSIONS_POLICY, Override: true }] },
    ServerTimingHeadersConfig: { Enabled: false },
  };
}
