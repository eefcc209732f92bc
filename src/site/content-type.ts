// Content-Type for a site file, from the maintained `mime` database (v4: `.js` is
// `text/javascript` per RFC 9239). Textual types get `; charset=utf-8` so browsers never
// guess the encoding; a name mime does not know is served as `application/octet-stream`.
import mime from 'mime';

const FALLBACK_TYPE = 'application/octet-stream';

// Textual types outside `text/*` and the `+json` / `+xml` suffixes.
const TEXTUAL_APPLICATION_TYPES = new Set([
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/json',
  'application/xml',
  'application/xhtml+xml',
  'application/x-sh',
  'application/graphql',
  'application/toml',
  'application/yaml',
  'application/x-yaml',
]);

/** The media type without parameters, e.g. `text/html` or `image/png`. */
export function mediaType(key: string): string {
  return mime.getType(key) ?? FALLBACK_TYPE;
}

export function isTextual(type: string): boolean {
  return type.startsWith('text/') || /\+(json|xml)$/.test(type) || TEXTUAL_APPLICATION_TYPES.has(type);
}

/** The Content-Type header for an object key, e.g. `text/html; charset=utf-8`. */
export function contentTypeFor(key: string): string {
  const type = mediaType(key);
  return isTextual(type) ? `${type}; charset=utf-8` : type;
}

export function isHtml(key: string): boolean {
  const type = mediaType(key);
  return type === 'text/html' || type === 'application/xhtml+xml';
}
