// Runs CloudFront Functions viewer-request code (runtime cloudfront-js-2.0) in node:vm, for `dev`,
// the emulator's stand-in (TestFunction) and the tests.
//
// What this emulates:
// - the event object, version '1.0', as CloudFront passes it to a viewer-request function:
//   lower-case header names, the Cookie header moved into `cookies`, query string values kept
//   as they appear in the URL (still percent-encoded), repeated names as `multiValue`;
// - a top-level `handler(event)`, plain or async, returning a request or a response object;
// - a fresh global scope per run, so nothing survives between requests, as at the edge;
// - no `require`, `process`, timers, `fetch` or `eval`/`new Function` (the runtime has none of
//   them); `console.log` goes to `options.log`;
// - a compute limit, as a wall-clock timeout (1 s by default, far above CloudFront's ~1 ms budget);
//   it stops a synchronous loop; an async handler that never settles is abandoned after it.
//
// What it does not emulate (keep the function inside the subset anyway):
// - the language subset itself: Node's V8 accepts everything ES2023, cloudfront-js-2.0 rejects
//   some of it (e.g. `class` fields, regex lookbehind, `Array.prototype.toSorted`);
// - the modules the runtime offers (`crypto`, `querystring`, `buffer`, `cloudfront` for
//   KeyValueStore): `require`/`import` fail here;
// - the 10 KB code-size limit and the 40 KB event/response size limits (the stand-in checks the
//   code size on CreateFunction/UpdateFunction, as AWS does);
// - validation of the returned object (CloudFront answers 503 to a malformed one; here it is
//   returned as is) and read-only fields (`method`, `viewer`).
import vm from 'node:vm';

export interface ValueEntry {
  value: string;
  multiValue?: { value: string }[];
}

export interface ResponseCookie {
  value: string;
  attributes?: string;
  multiValue?: { value: string; attributes?: string }[];
}

export interface EdgeRequest {
  method: string;
  uri: string;
  querystring: Record<string, ValueEntry>;
  headers: Record<string, ValueEntry>;
  cookies: Record<string, ValueEntry>;
}

export interface EdgeResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, ValueEntry>;
  cookies?: Record<string, ResponseCookie>;
  body?: string | { encoding: 'text' | 'base64'; data: string };
}

export interface ViewerRequestEvent {
  version: '1.0';
  context: {
    distributionDomainName: string;
    distributionId: string;
    eventType: 'viewer-request';
    requestId: string;
  };
  viewer: { ip: string };
  request: EdgeRequest;
}

export interface RunOptions {
  /** Wall-clock limit for the whole run, sync and async parts together. */
  timeoutMs?: number;
  /** Receives each `console.log` line of the function. */
  log?: (line: string) => void;
}

/** An error thrown by the function's code, or its failure to load or finish. */
export class EdgeFunctionError extends Error {
  override readonly name = 'EdgeFunctionError';
}

export function isResponse(result: EdgeRequest | EdgeResponse): result is EdgeResponse {
  return typeof (result as Partial<EdgeResponse>).statusCode === 'number';
}

function addValue(target: Record<string, ValueEntry>, name: string, value: string): void {
  const existing = target[name];
  if (existing === undefined) {
    target[name] = { value };
    return;
  }
  existing.multiValue ??= [{ value: existing.value }];
  existing.multiValue.push({ value });
}

function parseQuerystring(querystring: string | URLSearchParams | undefined): Record<string, ValueEntry> {
  const result: Record<string, ValueEntry> = {};
  if (querystring === undefined) return result;
  if (typeof querystring !== 'string') {
    for (const [name, value] of querystring) addValue(result, encodeURIComponent(name), encodeURIComponent(value));
    return result;
  }
  for (const pair of querystring.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    if (equals === -1) addValue(result, pair, '');
    else addValue(result, pair.slice(0, equals), pair.slice(equals + 1));
  }
  return result;
}

/** The event CloudFront passes to a viewer-request function for this request. */
export function viewerRequestEvent(request: {
  method?: string;
  uri: string;
  querystring?: string | URLSearchParams;
  /** Node's `request.headers` fits as is: a list gives `multiValue`, undefined is skipped. */
  headers?: Record<string, string | string[] | undefined>;
  ip?: string;
  distributionId?: string;
  distributionDomainName?: string;
}): ViewerRequestEvent {
  const headers: Record<string, ValueEntry> = {};
  const cookies: Record<string, ValueEntry> = {};
  for (const [name, given] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    const values = given === undefined ? [] : Array.isArray(given) ? given : [given];
    if (lower !== 'cookie') {
      for (const value of values) addValue(headers, lower, value);
      continue;
    }
    for (const cookie of values.join(';').split(';')) {
      const trimmed = cookie.trim();
      if (trimmed === '') continue;
      const equals = trimmed.indexOf('=');
      if (equals === -1) addValue(cookies, trimmed, '');
      else addValue(cookies, trimmed.slice(0, equals), trimmed.slice(equals + 1));
    }
  }
  const distributionId = request.distributionId ?? 'EDFDVBD6EXAMPLE';
  return {
    version: '1.0',
    context: {
      distributionDomainName: request.distributionDomainName ?? 'd111111abcdef8.cloudfront.net',
      distributionId,
      eventType: 'viewer-request',
      requestId: `${distributionId}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    },
    viewer: { ip: request.ip ?? '127.0.0.1' },
    request: {
      method: request.method ?? 'GET',
      uri: request.uri,
      querystring: parseQuerystring(request.querystring),
      headers,
      cookies,
    },
  };
}

function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String((error as { message: unknown }).message) : String(error);
}

function timedOut(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

async function settle(result: unknown, remainingMs: number, timeoutMs: number): Promise<unknown> {
  if (typeof result !== 'object' || result === null || typeof (result as { then?: unknown }).then !== 'function') return result;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EdgeFunctionError(`the function did not finish: its handler's promise did not settle within ${timeoutMs} ms`)), remainingMs);
  });
  try {
    return await Promise.race([result as PromiseLike<unknown>, deadline]);
  } catch (error) {
    throw error instanceof EdgeFunctionError ? error : new EdgeFunctionError(messageOf(error));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Evaluates `code` in a fresh context, calls its top-level `handler(event)` and returns what it
 * returns (a request or a response), as plain data. Throws EdgeFunctionError when the code does
 * not load, has no handler, throws, rejects or runs out of time. The timeout stops a synchronous
 * loop; an async handler's promise is abandoned (not stopped) when it does not settle in time.
 */
export async function runViewerRequest(code: string, event: ViewerRequestEvent, options: RunOptions = {}): Promise<EdgeRequest | EdgeResponse> {
  const timeout = options.timeoutMs ?? 1000;
  const log = options.log ?? (() => undefined);
  const sandbox: Record<string, unknown> = {
    console: { log: (...parts: unknown[]) => log(parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ')) },
    __event: JSON.stringify(event),
  };
  const context = vm.createContext(sandbox, { codeGeneration: { strings: false, wasm: false } });
  const started = Date.now();
  try {
    vm.runInContext(code, context, { timeout, filename: 'function.js' });
  } catch (error) {
    throw new EdgeFunctionError(`the function's code does not load: ${messageOf(error)}`);
  }
  if (vm.runInContext('typeof handler', context) !== 'function') throw new EdgeFunctionError('the code defines no top-level function handler(event)');
  let returned: unknown;
  try {
    returned = vm.runInContext('handler(JSON.parse(__event))', context, { timeout, filename: 'invoke.js' });
  } catch (error) {
    throw new EdgeFunctionError(timedOut(error) ? `the function did not finish: ${messageOf(error)}` : messageOf(error));
  }
  const result = await settle(returned, Math.max(1, timeout - (Date.now() - started)), timeout);
  if (typeof result !== 'object' || result === null) throw new EdgeFunctionError(`the function returned ${String(result)}, not a request or a response object`);
  return JSON.parse(JSON.stringify(result)) as EdgeRequest | EdgeResponse;
}
