// `verify`'s checks of a live site (or the `dev` preview): each one GET (never a POST, so no visit
// is counted) and one line of result. Requests go through node:http(s) rather than fetch so that
// redirects are seen rather than followed and the Host header can name a redirectFrom name.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { securityHeaders, type HeadersSettings } from '../edge/security-headers.ts';

export type CheckStatus = 'ok' | 'failed' | 'skipped';

export interface Check {
  name: string;
  status: CheckStatus;
  expected: string;
  seen: string;
}

/** What the site should look like. */
export interface Target {
  /** The site's URL, e.g. https://resume.example.com or http://localhost:8080 (dev). */
  siteUrl: string;
  /** The counter API's URL the site should name and answer from. */
  apiUrl: string;
  /** The custom domain redirectFrom names go to (undefined without one). */
  domain: string | undefined;
  redirectFrom: string[];
  headers: HeadersSettings;
  /** Certificates must stay valid this much longer. */
  minCertificateDays?: number;
  timeoutMs?: number;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MIN_CERTIFICATE_DAYS = 14;
/** An origin that is not the site's: the counter must not name it in its CORS headers. */
const FOREIGN_ORIGIN = 'https://verify.invalid';

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

/** One GET, redirects not followed, the body read as text. */
export function get(url: string, headers: Record<string, string> = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Answer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(target, { method: 'GET', headers, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: flatten(response.headers), body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

/** The preview: plain http on a loopback address, where TLS checks cannot apply. */
export function isLocalPreview(siteUrl: string): boolean {
  const url = new URL(siteUrl);
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return `no answer (${code ?? (error as Error).message})`;
}

function contentType(answer: Answer): string {
  return answer.headers['content-type'] ?? '(no content-type)';
}

type Run = (target: Target) => Promise<Check[]>;

/** Runs `body`; a request that gets no answer fails the check with the reason. */
async function attempt(name: string, expected: string, body: () => Promise<Check[]>): Promise<Check[]> {
  try {
    return await body();
  } catch (error) {
    return [{ name, status: 'failed', expected, seen: describeError(error) }];
  }
}

function check(name: string, passed: boolean, expected: string, seen: string): Check {
  return { name, status: passed ? 'ok' : 'failed', expected, seen };
}

const home: Run = (target) => {
  const expected = '200 with content-type text/html';
  return attempt('home', expected, async () => {
    const answer = await get(new URL('/', target.siteUrl).href, {}, target.timeoutMs);
    return [check('home', answer.status === 200 && contentType(answer).startsWith('text/html'), expected, `${answer.status} with content-type ${contentType(answer)}`)];
  });
};

const httpsRedirect: Run = async (target) => {
  if (isLocalPreview(target.siteUrl)) return [{ name: 'https-redirect', status: 'skipped', expected: 'http:// redirected to https://', seen: 'skipped: the preview serves plain http on localhost, with no https to redirect to' }];
  const site = new URL(target.siteUrl);
  const expected = `301 to https://${site.host}/`;
  return attempt('https-redirect', expected, async () => {
    const answer = await get(`http://${site.host}/`, {}, target.timeoutMs);
    const location = answer.headers.location ?? '(no location)';
    return [check('https-redirect', answer.status === 301 && location === `https://${site.host}/`, expected, `${answer.status} to ${location}`)];
  });
};

const notFound: Run = (target) => {
  const expected = '404 with the 404 page (text/html)';
  return attempt('not-found', expected, async () => {
    const path = `/resume-infra-verify-${randomBytes(4).toString('hex')}/missing`;
    const answer = await get(new URL(path, target.siteUrl).href, {}, target.timeoutMs);
    const html = contentType(answer).startsWith('text/html') && /<html/i.test(answer.body);
    return [check('not-found', answer.status === 404 && html, expected, `${answer.status} with ${html ? 'an HTML page' : contentType(answer)} for ${path}`)];
  });
};

function apiOrigin(target: Target): string {
  return new URL(target.apiUrl).origin;
}

const policyHeaders: Run = (target) => {
  const wanted = securityHeaders(target.headers, apiOrigin(target));
  return attempt('headers', 'the policy\'s headers on /', async () => {
    const answer = await get(new URL('/', target.siteUrl).href, {}, target.timeoutMs);
    const checks = Object.entries(wanted).map(([name, value]) => {
      const seen = answer.headers[name];
      return check(`header ${name}`, seen === value, JSON.stringify(value), seen === undefined ? '(missing)' : JSON.stringify(seen));
    });
    const timing = answer.headers['server-timing'];
    checks.push(check('header server-timing', timing === undefined, '(absent)', timing === undefined ? '(absent)' : JSON.stringify(timing)));
    return checks;
  });
};

const redirects: Run = async (target) => {
  if (target.redirectFrom.length === 0) return [];
  const local = isLocalPreview(target.siteUrl);
  const path = '/resume-infra-verify?check=redirect';
  return Promise.all(target.redirectFrom.map(async (name) => {
    const expected = `301 to https://${target.domain ?? '(no domain)'}${path}`;
    const [checked] = await attempt(`redirect ${name}`, expected, async () => {
      // The preview answers every name itself: it is asked with the name in the Host header.
      const answer = local
        ? await get(new URL(path, target.siteUrl).href, { host: name }, target.timeoutMs)
        : await get(`https://${name}${path}`, {}, target.timeoutMs);
      const location = answer.headers.location ?? '(no location)';
      return [check(`redirect ${name}`, answer.status === 301 && location === `https://${target.domain}${path}`, expected, `${answer.status} to ${location}`)];
    });
    return checked as Check;
  }));
};

const counter: Run = (target) => {
  const siteOrigin = new URL(target.siteUrl).origin;
  const expected = '200 JSON {"views": n, "visitors": m}';
  return attempt('counter', expected, async () => {
    const answer = await get(target.apiUrl, { origin: siteOrigin }, target.timeoutMs);
    let totals: unknown;
    try {
      totals = JSON.parse(answer.body);
    } catch {
      totals = undefined;
    }
    const record = typeof totals === 'object' && totals !== null ? totals as Record<string, unknown> : {};
    const valid = answer.status === 200 && contentType(answer).startsWith('application/json') && typeof record.views === 'number' && typeof record.visitors === 'number';
    const corsSeen = answer.headers['access-control-allow-origin'];
    const foreign = await get(target.apiUrl, { origin: FOREIGN_ORIGIN }, target.timeoutMs);
    const foreignSeen = foreign.headers['access-control-allow-origin'];
    // The preview answers /count on the site's own origin, where a browser needs no CORS header.
    const sameOrigin = new URL(target.apiUrl).origin === siteOrigin;
    const siteCorsOk = corsSeen === siteOrigin || (sameOrigin && corsSeen === undefined);
    const corsExpected = `access-control-allow-origin ${siteOrigin}${sameOrigin ? ' or none (same origin)' : ''} for the site, none for ${FOREIGN_ORIGIN}`;
    return [
      check('counter', valid, expected, `${answer.status} ${contentType(answer)} ${answer.body.slice(0, 80).trim()}`),
      check('counter-cors', siteCorsOk && foreignSeen === undefined, corsExpected, `${corsSeen ?? 'none'} for the site, ${foreignSeen ?? 'none'} for ${FOREIGN_ORIGIN}`),
    ];
  });
};

const configJson: Run = (target) => {
  const expected = `config.json naming ${target.apiUrl}`;
  return attempt('config.json', expected, async () => {
    const answer = await get(new URL('/config.json', target.siteUrl).href, {}, target.timeoutMs);
    let named: unknown;
    try {
      named = (JSON.parse(answer.body) as { apiUrl?: unknown }).apiUrl;
    } catch {
      named = undefined;
    }
    const seen = answer.status !== 200 ? `${answer.status} for /config.json` : typeof named === 'string' ? `config.json naming ${named}` : 'config.json without an apiUrl';
    return [check('config.json', answer.status === 200 && named === target.apiUrl, expected, seen)];
  });
};

interface PeerCertificateSeen {
  authorized: boolean;
  error: string | undefined;
  validTo: Date;
}

function peerCertificate(host: string, timeoutMs: number): Promise<PeerCertificateSeen> {
  return new Promise((resolve, reject) => {
    // Not rejected here, so an invalid certificate is reported with its reason rather than as a network error.
    const socket = tlsConnect({ host, port: 443, servername: host, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const certificate = socket.getPeerCertificate();
      const error = socket.authorizationError;
      resolve({ authorized: socket.authorized, error: error ? String(error) : undefined, validTo: new Date(certificate.valid_to) });
      socket.end();
    });
    socket.on('timeout', () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('error', reject);
  });
}

const certificates: Run = async (target) => {
  const days = target.minCertificateDays ?? MIN_CERTIFICATE_DAYS;
  const expected = `a certificate valid for the name, expiring in more than ${days} days`;
  if (isLocalPreview(target.siteUrl)) return [{ name: 'certificate', status: 'skipped', expected, seen: 'skipped: the preview serves plain http on localhost, with no certificate' }];
  const names = [new URL(target.siteUrl).hostname, ...target.redirectFrom];
  return Promise.all(names.map(async (name) => {
    const [checked] = await attempt(`certificate ${name}`, expected, async () => {
      const seen = await peerCertificate(name, target.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const daysLeft = Math.floor((seen.validTo.getTime() - Date.now()) / 86_400_000);
      const description = seen.authorized ? `valid for ${name}, expires ${seen.validTo.toISOString().slice(0, 10)} (${daysLeft} days)` : `not valid for ${name}: ${seen.error ?? 'unknown reason'}`;
      return [check(`certificate ${name}`, seen.authorized && daysLeft > days, expected, description)];
    });
    return checked as Check;
  }));
};

const RUNS: readonly Run[] = [home, httpsRedirect, notFound, policyHeaders, redirects, counter, configJson, certificates];

/** Every check, in a fixed order; they run concurrently. */
export async function runChecks(target: Target): Promise<Check[]> {
  return (await Promise.all(RUNS.map((run) => run(target)))).flat();
}

/** One line per check: ok/failed/skipped, the check, what was expected, what was seen. */
export function renderChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((entry) => entry.name.length));
  return checks.map((entry) => {
    const status = entry.status.padEnd(7);
    return entry.status === 'skipped'
      ? `${status} ${entry.name.padEnd(width)}  ${entry.seen}`
      : `${status} ${entry.name.padEnd(width)}  expected ${entry.expected}; seen ${entry.seen}`;
  }).join('\n');
}
