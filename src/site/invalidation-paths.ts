// CloudFront invalidation paths: which paths a sync's changes invalidate, and which CloudFront
// accepts. No AWS SDK here, so a sync that changed nothing never loads the CloudFront client.
//
// Paths: `/` + key for every uploaded or deleted key. `index.html` is also served as its
// directory, so `blog/index.html` invalidates `/blog/` too (and `index.html` invalidates `/`).
// The no-slash form `/blog` is not added: the S3 REST origin has no key `blog`, so that URL is
// never cached as the page (only as a short-lived error); a viewer-request function that rewrites
// it would make the cache key `/blog/index.html`, which is already invalidated.
// Past `threshold` paths the list collapses to `/*`: one wildcard path is billed as one path,
// and each path beyond 1,000 a month costs money.
import { createHash } from 'node:crypto';
import { UserError } from '../errors.ts';

export const DEFAULT_INVALIDATION_THRESHOLD = 15;
// CloudFront's limits for invalidations in progress at one time, and for one path.
export const MAX_INVALIDATION_PATHS = 3000;
export const MAX_WILDCARD_PATHS = 15;
const MAX_PATH_LENGTH = 4000;

// Characters kept as they are: RFC 3986 unreserved characters plus the path sub-delimiters a
// browser sends unencoded. Everything else (space, `#`, `?`, `%`, `"`, `<`, `>`, `\`, `^`, `` ` ``,
// `{`, `|`, `}`, `[`, `]`, non-ASCII) is percent-encoded as UTF-8, as CloudFront requires.
// `*` is encoded too: unencoded it would be a wildcard, which is only allowed at the end.
const KEPT_CHARACTERS = /[A-Za-z0-9\-._~!$&'()+,;=:@/]/;

export function encodePath(path: string): string {
  let encoded = '';
  for (const char of path) {
    encoded += KEPT_CHARACTERS.test(char) ? char : encodeURIComponent(char).replace(/\*/g, '%2A');
  }
  return encoded;
}

function pathsForKey(key: string): string[] {
  const paths = [encodePath(`/${key}`)];
  if (key === 'index.html' || key.endsWith('/index.html')) paths.unshift(encodePath(`/${key.slice(0, -'index.html'.length)}`));
  return paths;
}

/** The URL paths to invalidate for changed keys, sorted and deduplicated; `['/*']` past the threshold. */
export function invalidationPaths(changedKeys: readonly string[], threshold = DEFAULT_INVALIDATION_THRESHOLD): string[] {
  const paths = [...new Set(changedKeys.flatMap(pathsForKey))].sort();
  return paths.length > threshold ? ['/*'] : paths;
}

/** Throws a UserError naming the first path CloudFront would refuse. */
export function validateInvalidationPaths(paths: readonly string[]): void {
  if (paths.length === 0) throw new UserError('no invalidation paths given; pass paths like "/index.html", or "/*" for everything');
  if (paths.length > MAX_INVALIDATION_PATHS) {
    throw new UserError(`${paths.length} invalidation paths are more than the ${MAX_INVALIDATION_PATHS} CloudFront accepts at once; invalidate "/*" instead`);
  }
  for (const path of paths) {
    if (!path.startsWith('/')) throw new UserError(`invalidation path "${path}" must start with "/"; use "/${path}"`);
    if (path.length > MAX_PATH_LENGTH) throw new UserError(`invalidation path "${path.slice(0, 40)}…" is longer than ${MAX_PATH_LENGTH} characters; use a shorter prefix ending in "*"`);
    const star = path.indexOf('*');
    if (star !== -1 && star !== path.length - 1) {
      throw new UserError(`invalidation path "${path}" has a "*" before its end; CloudFront allows the wildcard only as the last character, e.g. "${path.slice(0, star + 1)}"`);
    }
  }
  const wildcards = paths.filter((path) => path.endsWith('*'));
  if (wildcards.length > MAX_WILDCARD_PATHS) {
    throw new UserError(`${wildcards.length} wildcard invalidation paths (${wildcards.slice(0, 3).join(', ')}, …) are more than the ${MAX_WILDCARD_PATHS} CloudFront accepts at once; use fewer wildcards or "/*"`);
  }
}

/**
 * A CallerReference that is the same for the same paths at the same time, so an SDK retry of
 * the request returns the invalidation already made instead of creating a second one.
 */
export function callerReference(paths: readonly string[], now: Date): string {
  const digest = createHash('sha256').update([...paths].sort().join('\n')).digest('hex').slice(0, 16);
  return `resume-infra-${now.getTime()}-${digest}`;
}
