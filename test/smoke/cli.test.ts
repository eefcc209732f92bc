// The smoke run for the Node versions that do not run the whole suite (.ci/run: 22 and 26): the
// real binary, in child processes on this Node, takes the README's path on the emulator: --help,
// up, a plan with nothing to change, destroy. `npm run smoke`.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { nodeVersionProblem } from '../../cli/node-version.mjs';
import { RUNTIME } from '../../src/resources/function.ts';
import { makeProject, spawnCli, type CliRun } from '../helpers/cli.ts';
import { SITE_DIR } from '../helpers/dev.ts';
import { useEmulator } from '../helpers/emulator.ts';

const region = 'eu-west-1';
const emulator = await useEmulator();
const project = await makeProject(emulator.endpoint, { project: 'smoke-resume', region, siteDir: SITE_DIR });
const aws = { endpoint: emulator.endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };

function succeeded(run: CliRun, expected = 0): void {
  assert.equal(run.code, expected, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
}

describe(`the CLI on Node ${process.versions.node}`, () => {
  test('this Node is a supported one', () => {
    assert.equal(nodeVersionProblem(process.versions.node), undefined);
  });

  test('--help lists the commands', async () => {
    const help = await spawnCli(['--help']);
    succeeded(help);
    assert.match(help.stdout, /^Usage: resume-infra/);
    assert.match(help.stdout, /^ {2}up\b/m);
  });

  test('up builds the stack, with the counter on its runtime', async () => {
    const up = await project.spawn(['up', '--yes']);
    succeeded(up);
    const lambda = new LambdaClient(aws);
    try {
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'smoke-resume-counter' }));
      assert.equal(fn.Configuration?.Runtime, RUNTIME);
    } finally {
      lambda.destroy();
    }
  });

  test('plan right after finds nothing to change and exits 0', async () => {
    const plan = await project.spawn(['plan']);
    succeeded(plan);
    assert.match(plan.stdout, /No changes/);
  });

  test('destroy --yes removes the stack', async () => {
    succeeded(await project.spawn(['destroy', '--yes']));
    const dynamodb = new DynamoDBClient(aws);
    try {
      await assert.rejects(dynamodb.send(new DescribeTableCommand({ TableName: 'smoke-resume-counter' })), ResourceNotFoundException);
    } finally {
      dynamodb.destroy();
    }
  });
});
