// `deploy-lambda` against the emulator: it uploads the counter's zip only when the deployed
// CodeSha256 differs from the built zip's, and records the hash in the state.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { GetFunctionCommand, LambdaClient, UpdateFunctionCodeCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { buildLambdaZip, codeSha256, deterministicZip } from '../src/lambda/bundle.ts';
import { useEmulator } from './helpers/emulator.ts';
import { makeProject, resourceMutations, type CliRun, type TestProject } from './helpers/cli.ts';
import { readJson, stateBucket } from './helpers/s3.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const aws = { endpoint: emulator.endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
const lambda = new LambdaClient(aws);
const s3 = new S3Client({ ...aws, forcePathStyle: true });
const FUNCTION = 'jane-resume-counter';
const built = await buildLambdaZip();

let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, { project: 'jane-resume', region });
});

function codeUploads(run: CliRun): number {
  return run.calls.filter((call) => call.operation === 'UpdateFunctionCode').length;
}

async function deployedSha(): Promise<string | undefined> {
  return (await lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION }))).Configuration?.CodeSha256;
}

async function recordedFunction(): Promise<Record<string, string> | undefined> {
  const state = await readJson<{ resources: Record<string, { outputs: Record<string, string> }> }>(s3, stateBucket(region), 'jane-resume/state.json');
  return state.resources.function?.outputs;
}

/** Stands in for an older handler: what `up` deployed before the source changed. */
async function deployOtherCode(): Promise<string> {
  const zip = await deterministicZip([{ name: 'index.mjs', contents: Buffer.from('export const handler = async () => ({ statusCode: 200, body: "old" });\n') }]);
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: FUNCTION, ZipFile: zip }));
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: FUNCTION });
  return codeSha256(zip);
}

describe('deploy-lambda', () => {
  test('before up it fails with one line saying to run up first', async () => {
    const result = await project.run('deploy-lambda');

    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^error: jane-resume is not deployed \(no state bucket resume-infra-state-\d+-eu-west-1\); run `npx resume-infra -c \S+ --endpoint-url \S+ up` first\n$/);
    assert.deepEqual(resourceMutations(result.calls), []);
  });

  test('right after up it uploads nothing and says the deployed code matches', async () => {
    assert.equal((await project.run('up')).code, 0);
    assert.equal(await deployedSha(), built.sha256);

    const first = await project.run('deploy-lambda');
    const second = await project.run('deploy-lambda');

    for (const run of [first, second]) {
      assert.equal(run.code, 0, run.stderr);
      assert.equal(codeUploads(run), 0);
      assert.deepEqual(resourceMutations(run.calls), []);
      assert.match(run.stdout, new RegExp(`^No change: deployed code matches ${built.sha256.replace(/[+/]/g, '\\$&')}`));
    }
  });

  test('it uploads when the deployed code differs, then the deployed CodeSha256 matches the built zip and the state records it', async () => {
    assert.equal((await project.run('up')).code, 0);
    const oldSha = await deployOtherCode();
    assert.notEqual(oldSha, built.sha256);
    assert.equal(await deployedSha(), oldSha);

    const upload = await project.run('deploy-lambda');
    assert.equal(upload.code, 0, upload.stderr);
    assert.equal(codeUploads(upload), 1);
    assert.match(upload.stdout, new RegExp(`^Uploaded ${built.bytes} bytes to ${FUNCTION}`));
    assert.equal(await deployedSha(), built.sha256);
    assert.equal((await recordedFunction())?.codeSha256, built.sha256);

    const again = await project.run('deploy-lambda');
    assert.equal(codeUploads(again), 0);
    assert.match(again.stdout, /^No change/);
  });

  test('--json reports whether it uploaded, the size and both hashes', async () => {
    assert.equal((await project.run('up')).code, 0);
    const oldSha = await deployOtherCode();

    const result = await project.run('deploy-lambda', '--json');

    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(document.command, 'deploy-lambda');
    assert.equal(document.uploaded, true);
    assert.equal(document.bytes, built.bytes);
    assert.equal(document.codeSha256, built.sha256);
    assert.equal(document.previousCodeSha256, oldSha);
    assert.equal(typeof document.buildMs, 'number');
  });

  test('up also puts the built code back when the deployed code differs', async () => {
    assert.equal((await project.run('up')).code, 0);
    await deployOtherCode();

    const plan = await project.run('plan');
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(plan.stdout, /codeSha256: /);
    const applied = await project.run('up');

    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(codeUploads(applied), 1);
    assert.equal(await deployedSha(), built.sha256);
  });
});
