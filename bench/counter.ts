// Benchmark of the visitor counter: zip size and build time, then POST /count latency and
// throughput through the handler against the local emulator's DynamoDB and SSM, and the number
// of DynamoDB calls each POST makes. Run with `npx tsx bench/counter.ts`.
//
// The emulator answers a call in about 8 ms (AWS in the same region: a few ms), so the latency
// figures measure the handler plus the emulator, and are an upper bound for the handler's share.
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { quietSdkNode20Notice } from '../cli/node-version.mjs';
import { startEmulator } from '../src/emulator.ts';
import { buildLambdaZip } from '../src/lambda/bundle.ts';
import { createHandler, type CounterHandler } from '../src/lambda/handler.ts';
import { percentile } from './stats.ts';

const BUILDS = 7;
const REQUESTS = 1000;
const CONCURRENCY = 50;
const DISTINCT_IPS = 100;
const REGION = 'eu-west-1';
const TABLE = 'bench-counter';
const PARAMETER = '/resume-infra/bench/ip-hash-secret';

process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
quietSdkNode20Notice();

/** A percentile of the samples in ms, to one decimal. */
function ms(samples: readonly number[], p: number): string {
  return (percentile(samples, p) ?? Number.NaN).toFixed(1);
}

function postEvent(sourceIp: string): APIGatewayProxyEvent {
  return {
    body: null, headers: { Origin: 'http://localhost:8080' }, multiValueHeaders: {}, httpMethod: 'POST', isBase64Encoded: false,
    path: '/count', pathParameters: null, queryStringParameters: null, multiValueQueryStringParameters: null, stageVariables: null,
    resource: '/count',
    requestContext: {
      accountId: '123456789012', apiId: 'bench', authorizer: undefined, protocol: 'HTTP/1.1', httpMethod: 'POST',
      identity: {
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, user: null, userAgent: 'bench', userArn: null, sourceIp,
      },
      path: '/prod/count', stage: 'prod', requestId: 'bench', requestTimeEpoch: 0, resourceId: 'bench', resourcePath: '/count',
    },
  };
}

/** Times one POST; a non-200 answer stops the benchmark, since its figures would mean nothing. */
async function timedPost(count: CounterHandler, sourceIp: string): Promise<number> {
  const started = performance.now();
  const result = await count(postEvent(sourceIp));
  const ms = performance.now() - started;
  if (result.statusCode !== 200) throw new Error(`POST /count answered ${result.statusCode}: ${result.body}`);
  return ms;
}

async function readTotals(dynamodb: DynamoDBClient): Promise<{ views: number; visitors: number }> {
  const totals = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'totals' } }, ConsistentRead: true }));
  return { views: Number(totals.Item?.views?.N ?? 0), visitors: Number(totals.Item?.visitors?.N ?? 0) };
}

async function measureBuilds(): Promise<{ bytes: number; first: number; median: number; sha256: string }> {
  const times: number[] = [];
  const hashes = new Set<string>();
  let bytes = 0;
  for (let i = 0; i < BUILDS; i++) {
    const built = await buildLambdaZip();
    times.push(built.buildMs);
    hashes.add(built.sha256);
    bytes = built.bytes;
  }
  if (hashes.size !== 1) throw new Error(`${BUILDS} builds gave ${hashes.size} different zips`);
  return { bytes, first: times[0] ?? Number.NaN, median: percentile(times, 50) ?? Number.NaN, sha256: [...hashes][0] ?? '' };
}

async function main(): Promise<void> {
  const builds = await measureBuilds();
  const emulator = await startEmulator();
  const clientConfig = { endpoint: emulator.endpoint, region: REGION, maxAttempts: 1 };
  const dynamodb = new DynamoDBClient(clientConfig);
  const ssm = new SSMClient(clientConfig);
  try {
    await dynamodb.send(new CreateTableCommand({
      TableName: TABLE, BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }));
    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: 'bench-secret', Type: 'SecureString' }));

    let dynamodbCalls = 0;
    let ssmCalls = 0;
    dynamodb.middlewareStack.add((next) => async (args) => { dynamodbCalls++; return next(args); }, { step: 'initialize', name: 'benchCallCounter' });
    ssm.middlewareStack.add((next) => async (args) => { ssmCalls++; return next(args); }, { step: 'initialize', name: 'benchCallCounter' });
    const count = createHandler({
      dynamodb, ssm,
      config: { tableName: TABLE, secretParameter: PARAMETER, allowedOrigins: ['http://localhost:8080'], uniqueWindowHours: 24 },
    });

    // The cold request reads the secret; it is reported apart from the warm ones.
    const coldMs = await timedPost(count, '198.51.100.0');
    const callsAfterWarmUp = dynamodbCalls;

    const sequential: number[] = [];
    for (let i = 0; i < REQUESTS; i++) sequential.push(await timedPost(count, `198.51.100.${i % DISTINCT_IPS}`));
    const callsBeforeRead = dynamodbCalls;
    const afterSequential = await readTotals(dynamodb);
    const benchReads = dynamodbCalls - callsBeforeRead; // the bench's own GetItem, not the handler's

    const concurrent: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        concurrent.push(await timedPost(count, `203.0.113.${i % DISTINCT_IPS}`));
      }
    }));
    const concurrentSeconds = (performance.now() - started) / 1000;
    const posts = 2 * REQUESTS;
    const perPost = (dynamodbCalls - callsAfterWarmUp - benchReads) / posts;

    const afterConcurrent = await readTotals(dynamodb);
    const sequentialExact = afterSequential.views === REQUESTS + 1 && afterSequential.visitors === DISTINCT_IPS;
    const lostViews = posts + 1 - afterConcurrent.views;
    const lostVisitors = 2 * DISTINCT_IPS - afterConcurrent.visitors;

    const rows: [string, string][] = [
      ['zip size', `${builds.bytes} bytes`],
      ['zip CodeSha256', builds.sha256],
      [`build time (median of ${BUILDS})`, `${builds.median} ms (first build ${builds.first} ms)`],
      ['cold POST (reads the SSM secret)', `${coldMs.toFixed(1)} ms`],
      [`sequential POST, ${REQUESTS} requests`, `median ${ms(sequential, 50)} ms, p95 ${ms(sequential, 95)} ms`],
      [`concurrent POST, ${REQUESTS} requests, ${CONCURRENCY} in flight`, `${(REQUESTS / concurrentSeconds).toFixed(0)} req/s (median ${ms(concurrent, 50)} ms, p95 ${ms(concurrent, 95)} ms)`],
      ['DynamoDB calls per POST', perPost.toFixed(2)],
      ['SSM GetParameter calls in total', String(ssmCalls)],
      ['totals after the sequential run', `views ${afterSequential.views}, visitors ${afterSequential.visitors} (${sequentialExact ? 'exact' : `expected ${REQUESTS + 1} and ${DISTINCT_IPS}`})`],
      // moto_server runs concurrent requests on parallel threads without a lock, so it can lose
      // ADDs and let two conditional puts both succeed; DynamoDB does neither.
      ['updates the emulator lost under concurrency', `views ${lostViews}, visitors ${lostVisitors} (moto_server is not atomic across connections)`],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log(`visitor counter benchmark (node ${process.version}, emulator at ${emulator.endpoint})`);
    for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
    if (!sequentialExact || perPost !== 2 || ssmCalls !== 1) {
      console.error(`unexpected: exact=${sequentialExact} callsPerPost=${perPost} ssmCalls=${ssmCalls}`);
      process.exitCode = 1;
    }
  } finally {
    dynamodb.destroy();
    ssm.destroy();
    await emulator.stop();
  }
}

await main();
