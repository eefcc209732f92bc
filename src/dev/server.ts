// The local preview's HTTP server: pages come from the emulator's site bucket the way CloudFront
// serves them, and `/count` runs the handler from the built zip with an API Gateway proxy event.
// Every page request first goes through the viewer-request function's code in node:vm, with
// CloudFront's event shape, as it does at the edge: the function's answer (the redirect) is sent
// as it is, and the request it returns names the bucket key (clean URLs, the live release).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { errorName, UserError } from '../errors.ts';
import { COUNT_PATH, type CounterHandler } from '../lambda/handler.ts';
import { EdgeFunctionError, isResponse, runViewerRequest, viewerRequestEvent, type EdgeRequest, type EdgeResponse } from '../edge/runtime.ts';
import { securityHeaders, type HeadersSettings } from '../edge/security-headers.ts';
import { siteConfigJson } from '../site/generate.ts';
import { GENERATED_CONFIG_KEY } from '../site/scan.ts';

export type ProxyHandler = CounterHandler;

export interface PreviewOptions {
  s3: S3Client;
  bucket: string;
  port: number;
  host?: string;
  /** The handler to run for `/count`; swapped when the code is redeployed. */
  handler: () => ProxyHandler | undefined;
  /** The viewer-request function's code to run on this request (read again for each one, so a rollback shows at once). */
  edgeCode: () => Promise<string>;
  /** The config's `headers`: pages carry the same security headers as the CloudFront policy (the API is the preview's own origin). */
  headers: HeadersSettings;
  log?: (line: string) => void;
}

interface S3Page {
  status: number;
  body: Buffer;
  headers: Record<string, string>;
}

async function getObject(s3: S3Client, bucket: string, key: string): Promise<S3Page | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    const headers: Record<string, string> = {};
    if (object.ContentType) headers['content-type'] = object.ContentType;
    if (object.CacheControl) headers['cache-control'] = object.CacheControl;
    if (object.ETag) headers.etag = object.ETag;
    return { status: 200, body, headers };
  } catch (error) {
    if (errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound') return undefined;
    throw error;
  }
}

/** `config.json` at the root or in a release (`releases/<id>/config.json`). */
const CONFIG_KEY = new RegExp(`^(releases/[^/]+/)?${GENERATED_CONFIG_KEY.replaceAll('.', '\\.')}$`);

/**
 * CloudFront's view of the bucket for the key the function chose. A missing key gets the root
 * `404.html` with status 404, as CloudFront's custom error response fetches it: without running
 * the function, so from the bucket root, where each deploy and rollback puts the live release's.
 */
async function servePage(options: PreviewOptions, key: string, origin: string): Promise<S3Page> {
  const page = await getObject(options.s3, options.bucket, key);
  if (page && CONFIG_KEY.test(key)) {
    // The deployed config.json names the API Gateway URL; the preview answers /count itself.
    page.body = siteConfigJson(`${origin}${COUNT_PATH}`).body;
  }
  if (page) return page;
  const notFound = await getObject(options.s3, options.bucket, '404.html');
  return { status: 404, body: notFound?.body ?? Buffer.from('Not Found'), headers: notFound?.headers ?? { 'content-type': 'text/plain' } };
}

function clientIp(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

/** The request's headers as CloudFront hands them to the function: lowercase names, one value each. */
function viewerHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // A viewer reaches CloudFront on 443 or 80, so its Host carries no port; the preview's does
  // (localhost:8080, or www.<domain>:8080 through /etc/hosts), and the redirect compares names.
  if (headers.host) headers.host = headers.host.replace(/:\d+$/, '');
  return headers;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function proxyEvent(request: IncomingMessage, url: URL, body: string): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
  const sourceIp = clientIp(request);
  return {
    resource: COUNT_PATH,
    path: url.pathname,
    httpMethod: request.method ?? 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body.length > 0 ? body : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method ?? 'GET',
      identity: {
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null, cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null, cognitoIdentityId: null, cognitoIdentityPoolId: null, principalOrgId: null, sourceIp, user: null,
        userAgent: headers['user-agent'] ?? null, userArn: null,
      },
      path: url.pathname,
      stage: 'local',
      requestId: `local-${Date.now()}`,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: COUNT_PATH,
    },
  };
}

/** A response the function generated (the redirect), sent as CloudFront sends it. */
function sendEdgeResponse(request: IncomingMessage, response: ServerResponse, result: EdgeResponse): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, header] of Object.entries(result.headers ?? {})) headers[name] = header.multiValue ? header.multiValue.map((entry) => entry.value) : header.value;
  const body = typeof result.body === 'string' ? Buffer.from(result.body) : Buffer.from(result.body?.data ?? '', result.body?.encoding === 'base64' ? 'base64' : 'utf8');
  response.writeHead(result.statusCode, result.statusDescription, { ...headers, 'content-length': String(body.length) });
  response.end(request.method === 'HEAD' ? undefined : body);
}

async function handle(options: PreviewOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const origin = `http://${request.headers.host ?? `localhost:${options.port}`}`;
  const url = new URL(request.url ?? '/', origin);
  const started = performance.now();
  if (url.pathname === COUNT_PATH) {
    const handler = options.handler();
    if (!handler) {
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"the counter is not deployed"}');
      return;
    }
    const result = await handler(proxyEvent(request, url, await readBody(request)));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    response.writeHead(result.statusCode, headers).end(result.body);
    options.log?.(`${request.method} /count ${result.statusCode} ${Math.round(performance.now() - started)}ms`);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const event = viewerRequestEvent({
    method: request.method,
    uri: url.pathname,
    querystring: url.search.replace(/^\?/, ''),
    headers: viewerHeaders(request),
    ip: clientIp(request),
  });
  let result: EdgeRequest | EdgeResponse;
  try {
    result = await runViewerRequest(await options.edgeCode(), event);
  } catch (error) {
    if (!(error instanceof EdgeFunctionError)) throw error;
    // CloudFront answers 503 when the function throws or returns nothing usable.
    response.writeHead(503, { 'content-type': 'text/plain' }).end(`the viewer-request function failed: ${error.message}\n`);
    options.log?.(`${request.method} ${url.pathname} 503: ${error.message}`);
    return;
  }
  if (isResponse(result)) {
    sendEdgeResponse(request, response, result);
    options.log?.(`${request.method} ${url.pathname} ${result.statusCode} from the function ${Math.round(performance.now() - started)}ms`);
    return;
  }
  const key = decodeURIComponent(result.uri).replace(/^\//, '');
  const page = await servePage(options, key, origin);
  response.writeHead(page.status, { ...page.headers, ...securityHeaders(options.headers, origin), 'content-length': String(page.body.length) });
  response.end(request.method === 'HEAD' ? undefined : page.body);
  options.log?.(`${request.method} ${url.pathname} → ${key} ${page.status} ${Math.round(performance.now() - started)}ms`);
}

export async function startPreviewServer(options: PreviewOptions): Promise<Server> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.log?.(`error serving ${request.url ?? ''}: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('preview error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new UserError(`port ${options.port} is in use; stop what holds it or pass --port <another>`) : error);
    });
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return server;
}
