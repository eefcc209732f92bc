// The local preview's HTTP server: pages come from the emulator's site bucket the way CloudFront
// serves them, and `/count` runs the handler from the built zip with an API Gateway proxy event.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { errorName, UserError } from '../errors.ts';
import { COUNT_PATH, type CounterHandler } from '../lambda/handler.ts';
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

/** CloudFront's view of the bucket: `/` is the default root object; a missing key is the 404 page. */
async function servePage(options: PreviewOptions, url: URL, origin: string): Promise<S3Page> {
  const path = decodeURIComponent(url.pathname);
  const key = path === '/' ? 'index.html' : path.replace(/^\//, '');
  const page = await getObject(options.s3, options.bucket, key);
  if (page && key === GENERATED_CONFIG_KEY) {
    // The deployed config.json names the API Gateway URL; the preview answers /count itself.
    page.body = siteConfigJson(`${origin}${COUNT_PATH}`).body;
  }
  if (page) return page;
  const notFound = await getObject(options.s3, options.bucket, '404.html');
  return { status: 404, body: notFound?.body ?? Buffer.from('Not Found'), headers: notFound?.headers ?? { 'content-type': 'text/plain' } };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function proxyEvent(request: IncomingMessage, url: URL, body: string): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
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
  const page = await servePage(options, url, origin);
  response.writeHead(page.status, { ...page.headers, 'content-length': String(page.body.length) });
  response.end(request.method === 'HEAD' ? undefined : page.body);
  options.log?.(`GET ${url.pathname} ${page.status} ${Math.round(performance.now() - started)}ms`);
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
