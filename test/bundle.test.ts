// The counter's zip: deterministic bytes (the CodeSha256 `deploy-lambda` compares), one entry,
// and a handler that loads and counts when extracted, as Lambda would run it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { useEmulator } from './helpers/emulator.ts';
import { emulatorClientConfig, restEvent } from './helpers/lambda.ts';
import { BUNDLE_TARGET, buildLambdaZip, cachedLambdaZip, HANDLER_SOURCE, LAMBDA_HANDLER, type LambdaZip } from '../src/lambda/bundle.ts';
import { ENV } from '../src/lambda/handler.ts';
import { RUNTIME } from '../src/resources/function.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const REGION = 'eu-west-1';
const TABLE = 'bundle-test-counter';
const PARAMETER = '/resume-infra/bundle-test/ip-hash-secret';
const SITE = 'https://d222222abcdef8.cloudfront.net';
/** Inside the repository, so the extracted index.mjs resolves `@aws-sdk/*` from its node_modules. */
const WORK_DIR = join(REPO_ROOT, '.build', `test-lambda-bundle-${process.pid}`);

const emulator = await useEmulator();
const clientConfig = emulatorClientConfig(emulator.endpoint, REGION);

let first: LambdaZip;

before(async () => {
  first = await buildLambdaZip();
  await mkdir(WORK_DIR, { recursive: true });
});

after(async () => {
  await rm(WORK_DIR, { recursive: true, force: true });
});

/** Builds the zip in a fresh Node process with the given time zone and returns its CodeSha256. */
async function sha256InChildProcess(timeZone: string): Promise<string> {
  const script = join(WORK_DIR, 'build-zip.mts');
  await writeFile(script, [
    `import { buildLambdaZip } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'src/lambda/bundle.ts')).href)};`,
    'process.stdout.write((await buildLambdaZip()).sha256);',
  ].join('\n'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, env: { ...process.env, TZ: timeZone }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout.trim()) : reject(new Error(`building in TZ=${timeZone} exited with ${code}`))));
  });
}

/** A /count request from the site (its origin header in lower case, so the bundled handler's lookup is case-insensitive too). */
function siteEvent(method: string, ip: string): APIGatewayProxyEvent {
  return restEvent({ method, ip, origin: SITE, originHeader: 'origin' });
}

describe('the Lambda zip', () => {
  test('holds exactly one entry, index.mjs, dated 1980-01-01 with mode 0644, and reports its own size and SHA-256', () => {
    const entries = new AdmZip(first.zip).getEntries();
    assert.deepEqual(entries.map((entry) => entry.entryName), ['index.mjs']);
    const entry = entries[0];
    assert.ok(entry);
    assert.equal((entry.header.attr >>> 16) & 0o7777, 0o644);
    // The local file header's DOS time and date (offset 10) encode 1980-01-01 00:00:00.
    assert.equal(first.zip.readUInt32LE(10), 0x00210000);
    assert.equal(first.bytes, first.zip.length);
    assert.equal(first.sha256, createHash('sha256').update(first.zip).digest('base64'));
    assert.equal(LAMBDA_HANDLER, 'index.handler');
  });

  test('bundles the handler minified as ESM for Node 24 with the AWS SDK left external', () => {
    const source = new AdmZip(first.zip).readAsText('index.mjs');
    assert.match(source, /from"@aws-sdk\/client-dynamodb"/);
    assert.match(source, /from"@aws-sdk\/client-ssm"/);
    assert.ok(!source.includes('\n//'), 'no comments');
    assert.ok(!source.includes(REPO_ROOT), 'no build paths');
    assert.ok(HANDLER_SOURCE.endsWith('src/lambda/handler.ts'));
    assert.equal(`${BUNDLE_TARGET.replace('node', 'nodejs')}.x`, RUNTIME, 'the bundle targets the runtime the function runs on');
  });

  test('two builds give byte-identical zips', async () => {
    const second = await buildLambdaZip();
    assert.equal(second.sha256, first.sha256);
    assert.ok(second.zip.equals(first.zip));
  });

  test('builds in other processes and time zones give the same CodeSha256', async () => {
    // Tokyo is ahead of UTC: a zip dated in local time would say 09:00 there (New York's
    // 1979 date would be clamped to 1980-01-01 and hide the bug).
    for (const timeZone of ['America/New_York', 'UTC', 'Asia/Tokyo']) {
      assert.equal(await sha256InChildProcess(timeZone), first.sha256, timeZone);
    }
  });

  test('its SHA-256 is the CodeSha256 Lambda reports for the uploaded zip', async () => {
    const iam = new IAMClient({ ...clientConfig, region: 'us-east-1' });
    const lambda = new LambdaClient(clientConfig);
    const role = await iam.send(new CreateRoleCommand({
      RoleName: 'bundle-test-role',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    }));
    const created = await lambda.send(new CreateFunctionCommand({
      FunctionName: 'bundle-test-counter', Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: LAMBDA_HANDLER,
      Role: role.Role?.Arn, Code: { ZipFile: first.zip },
    }));
    assert.equal(created.CodeSha256, first.sha256);
    assert.equal(created.CodeSize, first.bytes);
    iam.destroy();
    lambda.destroy();
  });

  test('the extracted index.mjs loads and its handler counts against the emulator', async () => {
    const dynamodb = new DynamoDBClient(clientConfig);
    const ssm = new SSMClient(clientConfig);
    await dynamodb.send(new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: 'bundle-test-secret', Type: 'SecureString' }));
    const extracted = join(WORK_DIR, 'extracted');
    new AdmZip(first.zip).extractAllTo(extracted, true);

    const env = {
      [ENV.tableName]: TABLE, [ENV.secretParameter]: PARAMETER, [ENV.allowedOrigins]: SITE, [ENV.uniqueWindowHours]: '24',
      AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: REGION,
    };
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    try {
      const loaded: unknown = await import(pathToFileURL(join(extracted, 'index.mjs')).href);
      const handler = (loaded as { handler?: unknown }).handler;
      assert.equal(typeof handler, 'function');
      const invoke = handler as (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
      // nodejs24.x refuses callback-style handlers: this one takes the event alone and returns a promise.
      assert.equal(invoke.length, 1);

      const pending = invoke(siteEvent('POST', '198.51.100.20'));
      assert.ok(pending instanceof Promise);
      const posted = await pending;
      await invoke(siteEvent('POST', '198.51.100.20'));
      const read = await invoke(siteEvent('GET', '198.51.100.21'));

      assert.equal(posted.statusCode, 200);
      assert.deepEqual(JSON.parse(posted.body), { views: 1, visitors: 1 });
      assert.equal(posted.headers?.['Access-Control-Allow-Origin'], SITE);
      assert.deepEqual(JSON.parse(read.body), { views: 2, visitors: 1 });
      const totals = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'totals' } } }));
      assert.equal(totals.Item?.views?.N, '2');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      dynamodb.destroy();
      ssm.destroy();
    }
  });
});

describe('the zip cache (cachedLambdaZip)', () => {
  const dir = join(WORK_DIR, 'cache');
  const recordPath = join(dir, 'lambda-zip.json');
  type Record = { esbuild: string; inputs: Array<[string, string]>; sha256: string };
  const readRecord = async (): Promise<Record> => JSON.parse(await readFile(recordPath, 'utf8')) as Record;

  test('builds once, then returns the same bytes from the cache, recording every file esbuild read', async () => {
    await rm(dir, { recursive: true, force: true });
    const built = await cachedLambdaZip(dir);
    assert.notEqual(built.cached, true);
    assert.equal(built.sha256, first.sha256);
    const again = await cachedLambdaZip(dir);
    assert.equal(again.cached, true);
    assert.deepEqual(again.zip, first.zip);
    const record = await readRecord();
    assert.ok(record.inputs.some(([path]) => path === 'src/lambda/handler.ts'), JSON.stringify(record.inputs));
    assert.equal(record.sha256, first.sha256);
  });

  const cases: Array<[string, () => Promise<void>]> = [
    ['an input file whose contents changed', async () => {
      const record = await readRecord();
      const [path] = record.inputs[0] ?? ['', ''];
      record.inputs[0] = [path, '0'.repeat(64)];
      await writeFile(recordPath, JSON.stringify(record));
    }],
    ['another esbuild version', async () => {
      const record = await readRecord();
      await writeFile(recordPath, JSON.stringify({ ...record, esbuild: '0.0.1' }));
    }],
    ['a zip that is not the recorded one', async () => {
      await writeFile(join(dir, 'lambda.zip'), Buffer.from('not a zip'));
    }],
    ['a record that is not JSON', async () => {
      await writeFile(recordPath, '{"format":');
    }],
  ];
  for (const [what, spoil] of cases) {
    test(`builds again after ${what}, and caches the right zip`, async () => {
      await cachedLambdaZip(dir);
      await spoil();
      const rebuilt = await cachedLambdaZip(dir);
      assert.notEqual(rebuilt.cached, true);
      assert.equal(rebuilt.sha256, first.sha256);
      const next = await cachedLambdaZip(dir);
      assert.equal(next.cached, true);
      assert.deepEqual(next.zip, first.zip);
    });
  }
});
