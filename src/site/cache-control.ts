// Cache-Control for each uploaded object.
//
// Rules, first match wins:
// 1. `cacheControl` globs from the config, in object order, matched with picomatch against the
//    whole object key (`*.pdf` matches only top-level PDFs, `**/*.pdf` matches any; `dot: true`
//    so `.well-known/**` works). Overrides beat every built-in rule.
// 2. HTML and generated files (the `config.json` the tool writes): `max-age=0, s-maxage=31536000`.
//    Their names stay the same when their content changes, so browsers must revalidate every time;
//    CloudFront may keep them, because every release has its own key prefix (the viewer-request
//    function puts `releases/<id>/` in front of the path, and that is the cache key), so a deploy
//    makes new cache keys instead of stale ones. See docs/decisions.md.
// 3. Fingerprinted assets (`app.3f9a2c1b.js`, `index-BfY2c3kQ.css`): cached for a year and
//    `immutable`, since a new build gives them a new name.
// 4. Everything else (images, PDFs, fonts with stable names): `public, max-age=300`. Five minutes
//    keeps browser caches useful while an edited resume PDF shows up soon after a deploy;
//    CloudFront keeps it for a year (`s-maxage`), for the same reason as HTML.
//
// Fingerprint detection is deliberately conservative: a false negative only costs a 5-minute
// cache, a false positive pins a stale file in browsers for a year. So only asset types that
// bundlers fingerprint are considered, and the hash segment must look random (see `looksLikeHash`).
// A name the heuristic gets wrong can always be fixed with a `cacheControl` glob.
import picomatch from 'picomatch';
import { UserError } from '../errors.ts';
import { isHtml } from './content-type.ts';

/** Browsers revalidate on every visit; the edge keeps it, since a release never changes under its prefix. */
export const REVALIDATE = 'max-age=0, s-maxage=31536000';
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const SHORT_CACHE = 'public, max-age=300, s-maxage=31536000';
/**
 * The copy of the live release's 404 page at the bucket root. CloudFront fetches a custom error
 * page without running the viewer-request function, so this copy changes name-for-name on every
 * switch; it lives at the edge as long as an error response (ERROR_CACHING_SECONDS, 10 s).
 */
export const ROOT_ERROR_PAGE = 'max-age=0, s-maxage=10';

// What bundlers (webpack, Vite/Rollup, esbuild, Parcel) put hashes in. Not PDFs or HTML.
const FINGERPRINTABLE_EXTENSIONS = new Set([
  'js', 'mjs', 'cjs', 'css', 'map', 'wasm', 'json',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'svg', 'ico', 'bmp',
  'mp4', 'webm', 'mp3', 'ogg',
]);

const MIN_HASH_LENGTH = 8;
const MAX_HASH_LENGTH = 64;

const ROLLUP_HASH_LENGTH = 8;

function characterClass(char: string): 'digit' | 'lower' | 'upper' {
  if (char >= '0' && char <= '9') return 'digit';
  return char >= 'a' && char <= 'z' ? 'lower' : 'upper';
}

/** How often consecutive letters and digits switch between digit, lowercase and uppercase. */
function classTransitions(token: string): number {
  const alphanumeric = token.replace(/[^A-Za-z0-9]/g, '');
  let transitions = 0;
  for (let i = 1; i < alphanumeric.length; i++) {
    if (characterClass(alphanumeric.charAt(i)) !== characterClass(alphanumeric.charAt(i - 1))) transitions++;
  }
  return transitions;
}

/**
 * Whether a name segment looks like a content hash rather than a word or a date:
 * - lowercase hex (webpack, Parcel) with at least one digit and one letter, so `20240115` and
 *   `deadbeef` are not hashes;
 * - uppercase base32 of exactly 8 (esbuild's `[hash]`) with a digit and a letter;
 * - base64url (Rollup/Vite) with lowercase, uppercase and a digit, and at least 3 switches
 *   between those classes, so `Summer24` is a word but `BfY2c3kQ` is a hash.
 */
export function looksLikeHash(token: string): boolean {
  if (token.length < MIN_HASH_LENGTH || token.length > MAX_HASH_LENGTH) return false;
  const hasDigit = /[0-9]/.test(token);
  if (/^[0-9a-f]+$/.test(token)) return hasDigit && /[a-f]/.test(token);
  if (/^[A-Z2-7]{8}$/.test(token)) return hasDigit && /[A-Z]/.test(token);
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return false;
  return hasDigit && /[a-z]/.test(token) && /[A-Z]/.test(token) && classTransitions(token) >= 3;
}

/** Splits `app.3f9a2c1b.js.map` into the stem `app.3f9a2c1b` and the extension `js`. */
function stemAndExtension(fileName: string): { stem: string; extension: string } | undefined {
  const name = fileName.endsWith('.map') ? fileName.slice(0, -'.map'.length) : fileName;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return { stem: name.slice(0, dot), extension: name.slice(dot + 1).toLowerCase() };
}

/**
 * Whether a key names a fingerprinted asset: a hash segment after a `.` or `-`, right before the
 * extension, with a non-empty name in front (`app.3f9a2c1b.js`, `app-3f9a2c1b8e.css`,
 * `index-BfY2c3kQ.js`). Rollup's base64url hashes may themselves contain `-`, so an 8-character
 * hash that spans one is accepted too (`index-B-x9aB3c.js`); longer spans are words (`my-Photo-Summer24`).
 */
export function isFingerprinted(key: string): boolean {
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  const parts = stemAndExtension(fileName);
  if (!parts || !FINGERPRINTABLE_EXTENSIONS.has(parts.extension)) return false;
  const { stem } = parts;
  for (let i = stem.length - 1; i > 0; i--) {
    const char = stem.charAt(i);
    if (char !== '.' && char !== '-') continue;
    const token = stem.slice(i + 1);
    // Every token further left is longer still.
    if (token.length > MAX_HASH_LENGTH || (token.includes('-') && token.length > ROLLUP_HASH_LENGTH)) return false;
    if (looksLikeHash(token)) return true;
    if (char === '.') return false;
  }
  return false;
}

export interface CacheRules {
  /** The Cache-Control value for an object key; `generated` marks files the tool writes. */
  (key: string, generated?: boolean): string;
}

function compileGlob(glob: string): (key: string) => boolean {
  try {
    // Keys are posix paths on every platform, so never let picomatch switch to Windows separators.
    return picomatch(glob, { dot: true, windows: false });
  } catch (error) {
    throw new UserError(`cacheControl glob "${glob}" is not a valid glob; fix it in the config file (e.g. "**/*.pdf")`, { cause: error });
  }
}

/** Compiles the config's `cacheControl` overrides once and returns the rule for any key. */
export function cacheRules(overrides: Record<string, string> = {}): CacheRules {
  const compiled = Object.entries(overrides).map(([glob, value]) => ({ matches: compileGlob(glob), value }));
  return (key, generated = false) => {
    const override = compiled.find((rule) => rule.matches(key));
    if (override) return override.value;
    if (generated || isHtml(key)) return REVALIDATE;
    if (isFingerprinted(key)) return IMMUTABLE;
    return SHORT_CACHE;
  };
}

/** One-off form of `cacheRules(overrides)(key, generated)`. */
export function cacheControlFor(key: string, overrides: Record<string, string> = {}, generated = false): string {
  return cacheRules(overrides)(key, generated);
}
