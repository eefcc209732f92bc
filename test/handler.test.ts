// The counter handler, called directly with API Gateway REST proxy events against the
// emulator's DynamoDB and SSM (the emulator cannot invoke a Lambda through API Gateway).
import { test, describe, before, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Agent } from 'node:http';
import { format } from 'node:util';
import {
  CreateTableCommand, DynamoDBClient, GetItemCommand, paginateScan, type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { useEmulator } from './helpers/emulator.ts';
import { emulatorClientConfig, restEvent, type EventOptions } from './helpers/lambda.ts';
import { configFromEnv, createHandler, ENV, handler as environmentHandler, type CounterConfig, type CounterHandler } from '../src/lambda/handler.ts';

const REGION = 'eu-west-1';
const TABLE = 'jane-resume-counter';
const PARAMETER = '/resume-infra/jane-resume/ip-hash-secret';
const SECRET = 'test-hmac-key-7f3a9c2e1b5d4a6f8e0c2b4d6f8a0c2e';
const SITE = 'https://d111111abcdef8.cloudfront.net';
const LOCAL = 'http://localhost:8080';
const CONFIG: CounterConfig = { tableName: TABLE, secretParameter: PARAMETER, allowedOrigins: [SITE, LOCAL], uniqueWindowHours: 24 };

const emulator = await useEmulator();
const clientConfig = emulatorClientConfig(emulator.endpoint, REGION);

function malformed(value: unknown): APIGatewayProxyEvent {
  return value as APIGatewayProxyEvent;
}

function body(result: APIGatewayProxyResult): unknown {
  return JSON.parse(result.body);
}

function header(result: APIGatewayProxyResult, name: string): string | number | boolean | undefined {
  return result.headers?.[name];
}

/** Counts the calls a client makes, by operation name. */
function countCalls(client: DynamoDBClient | SSMClient): Map<string, number> {
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'testCallCounter' },
  );
  return calls;
}

/** Everything written to console.* while the test runs. */
function captureConsole(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const originals = methods.map((method) => [method, console[method]] as const);
  for (const method of methods) console[method] = (...args: unknown[]) => { lines.push(format(...args)); };
  return {
    lines,
    restore() {
      for (const [method, original] of originals) console[method] = original;
    },
  };
}

async function scanTable(dynamodb: DynamoDBClient, table = TABLE): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  for await (const page of paginateScan({ client: dynamodb }, { TableName: table })) items.push(...(page.Items ?? []));
  return items;
}

function ipOf(n: number): string {
  return `203.0.113.${n}`;
}

let dynamodb: DynamoDBClient;
let ssm: SSMClient;
let logs: { lines: string[]; restore(): void };

function makeHandler(overrides: { config?: Partial<CounterConfig>; now?: () => number; dynamodb?: DynamoDBClient; ssm?: SSMClient } = {}): CounterHandler {
  return createHandler({
    dynamodb: overrides.dynamodb ?? dynamodb,
    ssm: overrides.ssm ?? ssm,
    config: { ...CONFIG, ...overrides.config },
    ...(overrides.now ? { now: overrides.now } : {}),
  });
}

before(async () => {
  // The first SSM call loads the service in the emulator (about 1.6 s); pay it once here.
  await new SSMClient(clientConfig).send(new PutParameterCommand({ Name: '/warm-up', Value: 'x', Type: 'String' }));
});

beforeEach(async () => {
  await emulator.reset();
  dynamodb = new DynamoDBClient(clientConfig);
  ssm = new SSMClient(clientConfig);
  await dynamodb.send(new CreateTableCommand({
    TableName: TABLE,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  await ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: SECRET, Type: 'SecureString' }));
  logs = captureConsole();
});

afterEach(() => {
  logs.restore();
  dynamodb.destroy();
  ssm.destroy();
});

describe('POST /count', () => {
  test('1,000 concurrent POSTs from 100 distinct IPs count exactly 1,000 views and 100 visitors', async () => {
    // moto_server applies concurrent requests on parallel threads without a lock and loses some
    // ADDs (about 4 in 2,000 at 50 connections), where DynamoDB is atomic. One connection makes
    // the emulator apply the calls one at a time; the 1,000 invocations still interleave their
    // PutItem and UpdateItem calls, which is what would expose a read-modify-write.
    const oneConnection = new DynamoDBClient({ ...clientConfig, requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }) } });
    const count = makeHandler({ dynamodb: oneConnection });
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => count(restEvent({ ip: ipOf(i % 100), origin: SITE }))));
    oneConnection.destroy();

    assert.deepEqual(results.filter((result) => result.statusCode !== 200), []);
    const views = results.map((result) => (body(result) as { views: number }).views).sort((a, b) => a - b);
    // Each ADD returns the value it produced, so the 1,000 answers are exactly 1..1000.
    assert.deepEqual(views, Array.from({ length: 1000 }, (_, i) => i + 1));
    const totals = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'totals' } }, ConsistentRead: true }));
    assert.equal(totals.Item?.views?.N, '1000');
    assert.equal(totals.Item?.visitors?.N, '100');
    const items = await scanTable(dynamodb);
    const visitorItems = items.filter((item) => item.pk?.S?.startsWith('visitor#'));
    assert.equal(visitorItems.length, 100);
    assert.equal(items.length, 101);
  });

  test('returns the totals after counting, with one conditional put and one update per request', async () => {
    const dynamodbCalls = countCalls(dynamodb);
    const count = makeHandler();

    const first = await count(restEvent({ ip: ipOf(1) }));
    const again = await count(restEvent({ ip: ipOf(1) }));
    const other = await count(restEvent({ ip: ipOf(2) }));

    assert.equal(first.statusCode, 200);
    assert.deepEqual(body(first), { views: 1, visitors: 1 });
    assert.deepEqual(body(again), { views: 2, visitors: 1 });
    assert.deepEqual(body(other), { views: 3, visitors: 2 });
    assert.deepEqual(Object.fromEntries(dynamodbCalls), { PutItem: 3, UpdateItem: 3 });
  });

  test('stores the visitor as the HMAC-SHA256 of the IP under the SSM secret, expiring after the window', async () => {
    const nowMs = Date.UTC(2025, 5, 1, 12, 0, 0);
    const count = makeHandler({ now: () => nowMs });

    await count(restEvent({ ip: ipOf(9) }));

    const hash = createHmac('sha256', SECRET).update(ipOf(9)).digest('hex');
    const item = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `visitor#${hash}` } } }));
    assert.equal(item.Item?.expiresAt?.N, String(nowMs / 1000 + 24 * 3600));
  });

  test('a visitor counts again once the unique-visitor window has passed', async () => {
    const start = Date.UTC(2025, 5, 1, 12, 0, 0);
    let nowMs = start;
    const count = makeHandler({ now: () => nowMs });
    const ip = ipOf(42);

    assert.deepEqual(body(await count(restEvent({ ip }))), { views: 1, visitors: 1 });
    nowMs = start + 24 * 3600 * 1000; // exactly at expiresAt: still the same visit window
    assert.deepEqual(body(await count(restEvent({ ip }))), { views: 2, visitors: 1 });
    nowMs = start + 24 * 3600 * 1000 + 1000;
    assert.deepEqual(body(await count(restEvent({ ip }))), { views: 3, visitors: 2 });

    const hash = createHmac('sha256', SECRET).update(ip).digest('hex');
    const item = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `visitor#${hash}` } } }));
    assert.equal(item.Item?.expiresAt?.N, String(nowMs / 1000 + 24 * 3600));
  });

  test('reads the secret from SSM once, even for concurrent first requests', async () => {
    const ssmCalls = countCalls(ssm);
    const count = makeHandler();

    await Promise.all(Array.from({ length: 10 }, (_, i) => count(restEvent({ ip: ipOf(i) }))));
    await count(restEvent({ ip: ipOf(99) }));

    assert.deepEqual(Object.fromEntries(ssmCalls), { GetParameter: 1 });
  });
});

describe('GET /count', () => {
  test('returns zeros before the first visit and the totals after, counting nothing', async () => {
    const dynamodbCalls = countCalls(dynamodb);
    const count = makeHandler();

    const empty = await count(restEvent({ method: 'GET' }));
    assert.equal(empty.statusCode, 200);
    assert.deepEqual(body(empty), { views: 0, visitors: 0 });
    await count(restEvent({ ip: ipOf(1) }));
    await count(restEvent({ ip: ipOf(1) }));
    const itemsBefore = await scanTable(dynamodb);
    for (let i = 0; i < 5; i++) assert.deepEqual(body(await count(restEvent({ method: 'GET', ip: ipOf(100 + i) }))), { views: 2, visitors: 1 });

    assert.deepEqual(await scanTable(dynamodb), itemsBefore);
    assert.equal(dynamodbCalls.get('GetItem'), 6);
    assert.equal(dynamodbCalls.get('PutItem'), 2);
  });
});

describe('CORS and methods', () => {
  test('echoes an allowed origin, whatever the case of the Origin header, and sets Vary and Cache-Control', async () => {
    const count = makeHandler();

    for (const [origin, originHeader] of [[SITE, 'Origin'], [LOCAL, 'origin'], [SITE, 'ORIGIN']] as const) {
      const result = await count(restEvent({ method: 'GET', origin, originHeader }));
      assert.equal(header(result, 'Access-Control-Allow-Origin'), origin);
      assert.equal(header(result, 'Vary'), 'Origin');
      assert.equal(header(result, 'Cache-Control'), 'no-store');
      assert.equal(header(result, 'Content-Type'), 'application/json');
    }
  });

  test('leaves out Access-Control-Allow-Origin for another origin or none, on every kind of response', async () => {
    const count = makeHandler();
    const requests: EventOptions[] = [
      { method: 'GET', origin: 'https://evil.example.com' },
      { method: 'POST', origin: `${SITE}.evil.example.com` },
      { method: 'GET', origin: 'null' },
      { method: 'GET' },
      { method: 'OPTIONS', origin: 'https://evil.example.com' },
      { method: 'DELETE', origin: 'https://evil.example.com' },
      { method: 'GET', origin: 'https://evil.example.com', path: '/other' },
    ];

    for (const request of requests) {
      const result = await count(restEvent(request));
      const corsHeaders = Object.keys(result.headers ?? {}).filter((name) => name.startsWith('Access-Control-'));
      assert.deepEqual(corsHeaders, [], `${request.method} ${request.path ?? '/count'} from ${request.origin ?? 'no origin'}`);
      assert.equal(header(result, 'Vary'), 'Origin');
      assert.equal(header(result, 'Cache-Control'), 'no-store');
    }
  });

  test('answers a preflight from an allowed origin with 204 and the allowed methods, headers and max age, counting nothing', async () => {
    const dynamodbCalls = countCalls(dynamodb);
    const count = makeHandler();

    const result = await count(restEvent({ method: 'OPTIONS', origin: SITE }));

    assert.equal(result.statusCode, 204);
    assert.equal(result.body, '');
    assert.equal(header(result, 'Access-Control-Allow-Origin'), SITE);
    assert.equal(header(result, 'Access-Control-Allow-Methods'), 'GET,POST,OPTIONS');
    assert.equal(header(result, 'Access-Control-Allow-Headers'), 'Content-Type');
    assert.match(String(header(result, 'Access-Control-Max-Age')), /^\d+$/);
    assert.equal(header(result, 'Vary'), 'Origin');
    assert.equal(dynamodbCalls.size, 0);
  });

  test('answers other methods with 405 and an Allow header', async () => {
    const count = makeHandler();

    for (const method of ['PUT', 'DELETE', 'PATCH', 'HEAD']) {
      const result = await count(restEvent({ method, origin: SITE }));
      assert.equal(result.statusCode, 405, method);
      assert.equal(header(result, 'Allow'), 'GET, POST, OPTIONS');
      assert.deepEqual(body(result), { error: 'method not allowed' });
      assert.equal(header(result, 'Access-Control-Allow-Origin'), SITE);
    }
    assert.deepEqual(await scanTable(dynamodb), []);
  });

  test('answers a path other than /count with 404, and accepts /count behind a base path', async () => {
    const count = makeHandler();

    const other = await count(restEvent({ method: 'GET', path: '/counter' }));
    assert.equal(other.statusCode, 404);
    assert.deepEqual(body(other), { error: 'not found' });
    assert.equal(header(other, 'Content-Type'), 'application/json');
    const basePath = await count(restEvent({ method: 'GET', path: '/api/count', resource: '/{proxy+}' }));
    assert.equal(basePath.statusCode, 200);
  });
});

describe('privacy and failures', () => {
  const ipv4 = '192.0.2.201';
  const ipv6 = '2001:db8:85a3::8a2e:370:7334';

  test('no raw IP or secret appears in anything logged or stored, on success or failure', async () => {
    const count = makeHandler();
    const broken = makeHandler({ config: { tableName: 'no-such-table' } });
    const noSecret = makeHandler({ config: { secretParameter: '/no/such/parameter' } });

    for (const ip of [ipv4, ipv6]) {
      assert.equal((await count(restEvent({ ip, origin: SITE }))).statusCode, 200);
      assert.equal((await count(restEvent({ ip }))).statusCode, 200);
      assert.equal((await broken(restEvent({ ip }))).statusCode, 500);
      assert.equal((await noSecret(restEvent({ ip }))).statusCode, 500);
    }

    const logged = logs.lines.join('\n');
    assert.ok(logs.lines.length >= 4, 'the failures were logged');
    const stored = JSON.stringify(await scanTable(dynamodb));
    for (const needle of [ipv4, ipv6, SECRET]) {
      assert.ok(!logged.includes(needle), `${needle} in the log`);
      assert.ok(!stored.includes(needle), `${needle} in the table`);
    }
    assert.ok(stored.includes(createHmac('sha256', SECRET).update(ipv6).digest('hex')));
  });

  test('a missing sourceIp or a malformed event gives a JSON 500, not a thrown exception', async () => {
    const count = makeHandler();
    const events: [string, APIGatewayProxyEvent][] = [
      ['missing sourceIp', restEvent({ ip: null, origin: SITE })],
      ['empty sourceIp', restEvent({ ip: '' })],
      ['empty object', malformed({})],
      ['null requestContext', malformed({ ...restEvent(), requestContext: null })],
      ['null', malformed(null)],
      ['a string', malformed('POST /count')],
    ];

    for (const [label, event] of events) {
      const result = await count(event);
      assert.equal(result.statusCode, 500, label);
      assert.deepEqual(body(result), { error: 'internal error' }, label);
      assert.equal(header(result, 'Content-Type'), 'application/json', label);
      assert.equal(header(result, 'Cache-Control'), 'no-store', label);
    }
    assert.equal(header(await count(events[0]?.[1] ?? restEvent()), 'Access-Control-Allow-Origin'), SITE);
    assert.ok(logs.lines.every((line) => line.includes('MalformedEvent')), logs.lines.join('\n'));
    assert.deepEqual(await scanTable(dynamodb), []);
  });

  test('a DynamoDB failure gives a JSON 500 and logs the error name', async () => {
    const missingTable = makeHandler({ config: { tableName: 'no-such-table' } });
    const closedPort = new DynamoDBClient({ ...clientConfig, endpoint: 'http://127.0.0.1:9' });
    const unreachable = makeHandler({ dynamodb: closedPort });

    for (const method of ['POST', 'GET']) {
      const result = await missingTable(restEvent({ method, origin: SITE }));
      assert.equal(result.statusCode, 500, method);
      assert.deepEqual(body(result), { error: 'internal error' });
      assert.equal(header(result, 'Access-Control-Allow-Origin'), SITE);
    }
    const unreachableResult = await unreachable(restEvent());
    assert.equal(unreachableResult.statusCode, 500);
    closedPort.destroy();

    assert.equal(logs.lines.length, 3);
    assert.match(logs.lines[0] ?? '', /recording the visitor.*ResourceNotFoundException/);
    assert.match(logs.lines[1] ?? '', /reading the totals.*ResourceNotFoundException/);
    assert.match(logs.lines[2] ?? '', /recording the visitor/);
  });

  test('an SSM failure gives a JSON 500 and is not cached, so the next request succeeds', async () => {
    const parameter = '/resume-infra/later/ip-hash-secret';
    const count = makeHandler({ config: { secretParameter: parameter } });

    const failed = await count(restEvent());
    assert.equal(failed.statusCode, 500);
    assert.deepEqual(body(failed), { error: 'internal error' });
    assert.match(logs.lines.join('\n'), /reading the HMAC secret from SSM.*ParameterNotFound/);

    await ssm.send(new PutParameterCommand({ Name: parameter, Value: SECRET, Type: 'SecureString' }));
    const retried = await count(restEvent());
    assert.equal(retried.statusCode, 200);
    assert.deepEqual(body(retried), { views: 1, visitors: 1 });
  });
});

describe('configuration from the environment', () => {
  test('reads the table, parameter, origins and window, with a default window of 24 hours', () => {
    const config = configFromEnv({
      [ENV.tableName]: TABLE,
      [ENV.secretParameter]: PARAMETER,
      [ENV.allowedOrigins]: ` ${SITE}, ${LOCAL},`,
    });
    assert.deepEqual(config, { tableName: TABLE, secretParameter: PARAMETER, allowedOrigins: [SITE, LOCAL], uniqueWindowHours: 24 });
    assert.equal(configFromEnv({ TABLE_NAME: 't', SECRET_PARAMETER: 'p', UNIQUE_WINDOW_HOURS: '6' }).uniqueWindowHours, 6);
    assert.throws(() => configFromEnv({ TABLE_NAME: 't', SECRET_PARAMETER: 'p', UNIQUE_WINDOW_HOURS: 'soon' }), /UNIQUE_WINDOW_HOURS/);
  });

  test('the exported handler answers a JSON 500 naming the missing variable in the log when TABLE_NAME is unset', async () => {
    const saved = process.env[ENV.tableName];
    delete process.env[ENV.tableName];
    try {
      const result = await environmentHandler(restEvent({ method: 'GET' }));
      assert.equal(result.statusCode, 500);
      assert.deepEqual(body(result), { error: 'internal error' });
      assert.match(logs.lines.join('\n'), /TABLE_NAME is not set/);
    } finally {
      if (saved !== undefined) process.env[ENV.tableName] = saved;
    }
  });
});
