// The counter's response headers, decided in one place: every response the handler returns goes
// through `responseHeaders`, so no path can forget CORS, `Vary` or `Cache-Control`.

/** API Gateway passes `headers: null` when a request has none. */
export type RequestHeaders = Record<string, string | undefined> | null | undefined;

export const ALLOWED_METHODS = 'GET,POST,OPTIONS';
export const ALLOWED_HEADERS = 'Content-Type';
/** Seconds a browser may reuse a preflight answer (Chrome caps it at 7200, Firefox at 86400). */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Header names are case-insensitive; API Gateway keeps whatever case the client sent. */
export function headerValue(headers: RequestHeaders, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}

/** `ALLOWED_ORIGINS` is a comma-separated list of exact origins (scheme, host, optional port). */
export function parseAllowedOrigins(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((origin) => origin.trim()).filter((origin) => origin.length > 0);
}

/**
 * The headers of every response. `Access-Control-Allow-Origin` echoes the request's `Origin` only
 * when that origin is configured: a browser on any other page cannot read the counter. `Vary:
 * Origin` keeps a shared cache from handing one origin's answer to another.
 */
export function responseHeaders(
  requestHeaders: RequestHeaders,
  allowedOrigins: readonly string[],
  options: { preflight?: boolean } = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    Vary: 'Origin',
  };
  const origin = headerValue(requestHeaders, 'Origin');
  if (origin !== undefined && allowedOrigins.includes(origin)) {
    headers['Access-Control-Allow-Origin'] = origin;
    if (options.preflight === true) {
      headers['Access-Control-Allow-Methods'] = ALLOWED_METHODS;
      headers['Access-Control-Allow-Headers'] = ALLOWED_HEADERS;
      headers['Access-Control-Max-Age'] = String(PREFLIGHT_MAX_AGE_SECONDS);
    }
  }
  return headers;
}
