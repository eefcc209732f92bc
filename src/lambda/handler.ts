// The visitor counter behind API Gateway (REST, Lambda proxy integration) at `/count`.
//
//   POST /count  counts the view, and the visitor once per window; returns {"views": n, "visitors": m}
//   GET /count   returns the totals and counts nothing
//   OPTIONS      CORS preflight (204)
//
// A visitor is HMAC-SHA256(secret, source IP): the raw IP is never stored or logged, and the
// secret (an SSM SecureString) is read once per cold start. Counting is one conditional PutItem
// and one atomic UpdateItem ADD, never a read-modify-write, so concurrent hits all count.
//
// Every failure is answered with 500 {"error":"internal error"}, including a malformed event or
// a missing source IP: through API Gateway a browser cannot cause either, so they mean a broken
// integration, not a bad request. The log line names the step and the error's name, never a
// message that could carry request data.
import { createHmac } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseAllowedOrigins, responseHeaders, type RequestHeaders } from './cors.ts';

/** The environment variables the function reads; the function resource sets them. */
export const ENV = {
  tableName: 'TABLE_NAME',
  secretParameter: 'SECRET_PARAMETER',
  allowedOrigins: 'ALLOWED_ORIGINS',
  uniqueWindowHours: 'UNIQUE_WINDOW_HOURS',
} as const;

export const DEFAULT_UNIQUE_WINDOW_HOURS = 24;
export const TOTALS_KEY = 'totals';
export const VISITOR_KEY_PREFIX = 'visitor#';
export const COUNT_PATH = '/count';
export const ALLOW = 'GET, POST, OPTIONS';

export interface CounterConfig {
  tableName: string;
  secretParameter: string;
  allowedOrigins: readonly string[];
  uniqueWindowHours: number;
}

export interface CounterDeps {
  dynamodb: DynamoDBClient;
  ssm: SSMClient;
  config: CounterConfig;
  /** Epoch milliseconds; injected by tests to move past the unique-visitor window. */
  now?: () => number;
}

export interface Totals {
  views: number;
  visitors: number;
}

export type CounterHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** A failure whose log line is fixed text chosen here, so nothing from the request can reach it. */
class CounterError extends Error {
  override name = 'CounterError';
}

/** Wraps a failure with the step it happened in; only `step` and the cause's name are logged. */
class StepError extends Error {
  override name = 'StepError';
  constructor(readonly step: string, readonly causeName: string) {
    super(step);
  }
}

/** An error name that cannot hold an IP address (no dots, no colons, starts with a letter). */
function safeErrorName(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  return /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'UnnamedError';
}

async function step<T>(description: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StepError) throw error;
    const detail = error instanceof CounterError ? `${description}: ${error.message}` : description;
    throw new StepError(detail, safeErrorName(error));
  }
}

function logFailure(error: unknown): void {
  const line = error instanceof StepError
    ? { level: 'error', message: `counter failed ${error.step}`, error: error.causeName }
    : { level: 'error', message: 'counter failed', error: safeErrorName(error) };
  console.error(JSON.stringify(line));
}

/** Reads the configuration; messages name the variable, never its value. */
export function configFromEnv(env: Record<string, string | undefined>): CounterConfig {
  const tableName = env[ENV.tableName];
  const secretParameter = env[ENV.secretParameter];
  if (!tableName) throw new CounterError(`${ENV.tableName} is not set`);
  if (!secretParameter) throw new CounterError(`${ENV.secretParameter} is not set`);
  const windowText = env[ENV.uniqueWindowHours];
  const uniqueWindowHours = windowText === undefined || windowText === '' ? DEFAULT_UNIQUE_WINDOW_HOURS : Number(windowText);
  if (!Number.isFinite(uniqueWindowHours) || uniqueWindowHours <= 0) throw new CounterError(`${ENV.uniqueWindowHours} is not a positive number`);
  return { tableName, secretParameter, allowedOrigins: parseAllowedOrigins(env[ENV.allowedOrigins]), uniqueWindowHours };
}

interface CountRequest {
  method: string;
  isCountPath: boolean;
  headers: RequestHeaders;
  sourceIp: string | undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function requestHeadersOf(event: unknown): RequestHeaders {
  const headers = asRecord(asRecord(event)?.headers);
  if (headers === undefined) return undefined;
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) if (typeof value === 'string') strings[key] = value;
  return strings;
}

/** Narrows what API Gateway sent; undefined when it is not a REST proxy event at all. */
function readRequest(event: unknown): CountRequest | undefined {
  const record = asRecord(event);
  if (record === undefined || typeof record.httpMethod !== 'string' || typeof record.path !== 'string') return undefined;
  const identity = asRecord(asRecord(record.requestContext)?.identity);
  const sourceIp = identity?.sourceIp;
  return {
    method: record.httpMethod.toUpperCase(),
    isCountPath: record.resource === COUNT_PATH || record.path === COUNT_PATH || record.path.endsWith(COUNT_PATH),
    headers: requestHeadersOf(event),
    sourceIp: typeof sourceIp === 'string' && sourceIp.length > 0 ? sourceIp : undefined,
  };
}

function numberAttribute(item: Record<string, AttributeValue> | undefined, name: string): number {
  const text = item?.[name]?.N;
  return text === undefined ? 0 : Number(text);
}

function totalsOf(item: Record<string, AttributeValue> | undefined): Totals {
  return { views: numberAttribute(item, 'views'), visitors: numberAttribute(item, 'visitors') };
}

export function createHandler(deps: CounterDeps): CounterHandler {
  const { dynamodb, ssm, config } = deps;
  const now = deps.now ?? Date.now;
  let secretPromise: Promise<string> | undefined;

  /** Once per cold start; a failed read is forgotten so the next request tries again. */
  function hmacSecret(): Promise<string> {
    if (secretPromise === undefined) {
      const pending = step('reading the HMAC secret from SSM', async () => {
        const output = await ssm.send(new GetParameterCommand({ Name: config.secretParameter, WithDecryption: true }));
        const value = output.Parameter?.Value;
        if (value === undefined || value === '') throw new CounterError('the parameter has no value');
        return value;
      });
      secretPromise = pending;
      pending.catch(() => {
        if (secretPromise === pending) secretPromise = undefined;
      });
    }
    return secretPromise;
  }

  /** True when this visitor was not seen within the window (or its record has expired but TTL has not removed it yet). */
  async function recordVisitor(sourceIp: string, nowSeconds: number): Promise<boolean> {
    const secret = await hmacSecret();
    const visitorHash = createHmac('sha256', secret).update(sourceIp, 'utf8').digest('hex');
    return step('recording the visitor', async () => {
      try {
        await dynamodb.send(new PutItemCommand({
          TableName: config.tableName,
          Item: {
            pk: { S: `${VISITOR_KEY_PREFIX}${visitorHash}` },
            expiresAt: { N: String(nowSeconds + Math.round(config.uniqueWindowHours * 3600)) },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        }));
        return true;
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    });
  }

  async function count(sourceIp: string): Promise<Totals> {
    const isNewVisitor = await recordVisitor(sourceIp, Math.floor(now() / 1000));
    return step('adding to the totals', async () => {
      const output = await dynamodb.send(new UpdateItemCommand({
        TableName: config.tableName,
        Key: { pk: { S: TOTALS_KEY } },
        UpdateExpression: isNewVisitor ? 'ADD #views :one, #visitors :one' : 'ADD #views :one',
        ExpressionAttributeNames: isNewVisitor ? { '#views': 'views', '#visitors': 'visitors' } : { '#views': 'views' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      }));
      return totalsOf(output.Attributes);
    });
  }

  function readTotals(): Promise<Totals> {
    return step('reading the totals', async () => {
      const output = await dynamodb.send(new GetItemCommand({ TableName: config.tableName, Key: { pk: { S: TOTALS_KEY } }, ConsistentRead: true }));
      return totalsOf(output.Item);
    });
  }

  async function route(request: CountRequest): Promise<APIGatewayProxyResult> {
    const respond = (statusCode: number, body: unknown, options: { preflight?: boolean; extra?: Record<string, string> } = {}): APIGatewayProxyResult => ({
      statusCode,
      headers: { ...responseHeaders(request.headers, config.allowedOrigins, options), ...options.extra },
      body: body === undefined ? '' : JSON.stringify(body),
    });
    if (!request.isCountPath) return respond(404, { error: 'not found' });
    switch (request.method) {
      case 'OPTIONS':
        return respond(204, undefined, { preflight: true });
      case 'GET':
        return respond(200, await readTotals());
      case 'POST': {
        if (request.sourceIp === undefined) throw new StepError('reading the request: the event has no requestContext.identity.sourceIp', 'MalformedEvent');
        return respond(200, await count(request.sourceIp));
      }
      default:
        return respond(405, { error: 'method not allowed' }, { extra: { Allow: ALLOW } });
    }
  }

  return async (event) => {
    const request = readRequest(event);
    try {
      if (request === undefined) throw new StepError('reading the request: not an API Gateway REST proxy event', 'MalformedEvent');
      return await route(request);
    } catch (error) {
      logFailure(error);
      return internalError(request?.headers ?? requestHeadersOf(event), config.allowedOrigins);
    }
  };
}

function internalError(headers: RequestHeaders, allowedOrigins: readonly string[]): APIGatewayProxyResult {
  return { statusCode: 500, headers: responseHeaders(headers, allowedOrigins), body: JSON.stringify({ error: 'internal error' }) };
}

let environmentHandler: CounterHandler | undefined;

/** The Lambda entry point: configuration from the environment, clients from the SDK's defaults. */
export const handler: CounterHandler = async (event) => {
  if (environmentHandler === undefined) {
    let config: CounterConfig;
    try {
      config = configFromEnv(process.env);
    } catch (error) {
      logFailure(new StepError(`reading the configuration: ${error instanceof CounterError ? error.message : 'invalid'}`, safeErrorName(error)));
      return internalError(requestHeadersOf(event), parseAllowedOrigins(process.env[ENV.allowedOrigins]));
    }
    environmentHandler = createHandler({ dynamodb: new DynamoDBClient({}), ssm: new SSMClient({}), config });
  }
  return environmentHandler(event);
};
