// Bad input, table-driven: each is a one-line error naming the bad value and the fix, and no AWS mutation.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { useEmulator } from './helpers/emulator.ts';
import { makeProject, resourceMutations, runCli, type CliRun } from './helpers/cli.ts';
import { objectExists, stateBucket } from './helpers/s3.ts';
import { freePort } from '../src/emulator.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const aws = { endpoint: emulator.endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
const s3 = new S3Client({ ...aws, forcePathStyle: true });
const dynamodb = new DynamoDBClient(aws);
const STATE_BUCKET = stateBucket(region);

beforeEach(() => emulator.reset());

async function withStateBody(body: string): Promise<CliRun> {
  const project = await makeProject(emulator.endpoint, { project: 'jane-resume', region });
  await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET, CreateBucketConfiguration: { LocationConstraint: region } }));
  await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: 'jane-resume/state.json', Body: body }));
  return project.run('up');
}

async function withConfigText(text: string, ...extra: string[]): Promise<CliRun> {
  const project = await makeProject(emulator.endpoint, {});
  await writeFile(project.configPath, text);
  return project.run('up', ...extra);
}

const cases: Array<{ name: string; run: () => Promise<CliRun>; message: RegExp }> = [
  {
    name: 'a missing config file',
    run: () => runCli(['-c', '/nonexistent/resume-infra.json', '--endpoint-url', emulator.endpoint, 'up']),
    message: /config file \/nonexistent\/resume-infra.json not found; create it with at least \{"project": "your-name-resume"\}/,
  },
  { name: 'invalid JSON', run: () => withConfigText('{"project": "jane-resume",}'), message: /is not valid JSON \(.+\); fix the syntax/ },
  { name: 'an unknown key', run: () => withConfigText('{"project": "jane-resume", "colour": "blue"}'), message: /unknown key "colour" \(remove it; known keys: project, region, / },
  { name: 'a bad project name', run: () => withConfigText('{"project": "Jane_Resume"}'), message: /project "Jane_Resume" must be 3-32 characters of lowercase letters/ },
  { name: 'a bad region in the config', run: () => withConfigText('{"project": "jane-resume", "region": "moon-east-1"}'), message: /region "moon-east-1" is not an AWS region name \(use one like "eu-west-1"\)/ },
  { name: 'a bad --region flag', run: () => withConfigText('{"project": "jane-resume"}', '--region', 'Europe'), message: /--region "Europe" is not an AWS region name; use one like eu-west-1/ },
  {
    name: 'every config problem at once, by key',
    run: () => withConfigText('{"project": "X", "region": "nowhere", "counter": {"rateLimit": -1}, "extra": true}'),
    message: /has 4 problems: \(1\) project "X" must be.*; \(2\) region "nowhere" is not an AWS region.*; \(3\) counter\.rateLimit -1 must be a positive number.*; \(4\) unknown key "extra"/,
  },
  { name: 'a non-JSON state file', run: () => withStateBody('this is not json'), message: /state s3:\/\/\S+\/jane-resume\/state.json is not JSON; restore an earlier version/ },
  { name: 'a wrong-version state file', run: () => withStateBody('{"formatVersion": 99, "serial": 1}'), message: /has formatVersion 99, and this resume-infra reads version 1/ },
  {
    name: 'an unreachable endpoint',
    run: async () => {
      const closed = await freePort();
      const project = await makeProject(`http://127.0.0.1:${closed}`, { project: 'jane-resume', region });
      return project.run('up');
    },
    message: /cannot reach the endpoint http:\/\/127.0.0.1:\d+ \(ECONNREFUSED\); check --endpoint-url/,
  },
];

describe('bad input', () => {
  for (const badInput of cases) {
    test(`${badInput.name} is a one-line error and changes nothing`, async () => {
      const result = await badInput.run();
      assert.equal(result.code, 1, result.stdout);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] ?? '', /^error: [a-z/"-]/);
      assert.match(lines[0] ?? '', badInput.message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(resourceMutations(result.calls).map((call) => call.operation), []);
      assert.deepEqual((await dynamodb.send(new ListTablesCommand({}))).TableNames ?? [], []);
      const lockLeft = await objectExists(s3, STATE_BUCKET, 'jane-resume/state.json.lock');
      assert.equal(lockLeft, false, 'a run that fails releases its lock');
    });
  }
});
