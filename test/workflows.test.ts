// The GitHub Actions workflows: valid against GitHub's own workflow schema, and the deploy
// workflow's shape (OIDC only, least permissions, pinned actions, one deploy at a time, the
// documented `up` command). Its shell steps are run here too, so a broken script fails a test.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';
import { DEPLOY_COMMAND, REGION_VARIABLE, ROLE_ARN_VARIABLE } from '../src/commands/ci-setup.ts';

const root = new URL('../', import.meta.url);
const read = (path: string): Promise<string> => readFile(new URL(path, root), 'utf8');

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: Record<string, unknown>;
  jobs: Record<string, { permissions?: unknown; steps: Step[] }>;
}

/** What GitHub's workflow parser reports about a workflow file: schema and expression errors. */
async function schemaErrors(name: string, content: string): Promise<string[]> {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  if (result.value) await convertWorkflowTemplate(result.context, result.value);
  return result.context.errors.getErrors().map((error) => error.message);
}

function steps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

/** Runs a workflow step's script the way a runner does (`bash -e`), in `dir`, with the step's env. */
function runStep(step: Step, dir: string, env: Record<string, string>): { status: number | null; stderr: string } {
  assert.ok(step.run, 'the step has a script');
  const child = spawnSync('bash', ['-e', '-c', step.run], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: child.status, stderr: child.stderr };
}

const deployText = await read('.github/workflows/deploy.yml');
const ciText = await read('.github/workflows/ci.yml');
const deploy = parse(deployText) as Workflow;
const ci = parse(ciText) as Workflow;

describe('workflow schema', () => {
  test('deploy.yml is a valid GitHub Actions workflow', async () => {
    assert.deepEqual(await schemaErrors('deploy.yml', deployText), []);
  });

  test('ci.yml is a valid GitHub Actions workflow', async () => {
    assert.deepEqual(await schemaErrors('ci.yml', ciText), []);
  });

  test('the schema check reports the errors of a broken workflow', async () => {
    const broken = [
      'on: push',
      'permissions:',
      '  id-token: admin',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        run: echo both uses and run',
      '      - run: echo ${{ secrets. }}',
    ].join('\n');
    const errors = (await schemaErrors('broken.yml', broken)).join('\n');
    assert.match(errors, /Line: 3, .*Unexpected value 'admin'/);
    assert.match(errors, /Line: 9, .*Unexpected value 'run'/);
    assert.match(errors, /Line: 10, /, 'the unfinished expression');
  });
});

describe('deploy workflow', () => {
  test('runs on pushes to main and by hand', () => {
    assert.deepEqual(deploy.on.push, { branches: ['main'] });
    assert.ok('workflow_dispatch' in deploy.on);
  });

  test('asks for id-token: write and contents: read, nothing else', () => {
    assert.deepEqual(deploy.permissions, { 'id-token': 'write', contents: 'read' });
    for (const job of Object.values(deploy.jobs)) assert.equal(job.permissions, undefined, 'no job widens the permissions');
  });

  test('runs one deploy at a time and never cancels a running one', () => {
    assert.deepEqual(deploy.concurrency, { group: 'deploy', 'cancel-in-progress': false });
  });

  test('uses no stored AWS keys: no secrets at all, credentials only from the OIDC role', () => {
    assert.doesNotMatch(deployText, /secrets\./);
    assert.doesNotMatch(deployText, /aws-access-key-id|aws-secret-access-key/);
    const credentials = steps(deploy).find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    assert.equal(credentials?.with?.['role-to-assume'], `\${{ vars.${ROLE_ARN_VARIABLE} }}`);
    assert.equal(credentials?.with?.['aws-region'], '${{ steps.region.outputs.region }}');
  });

  test('pins every action to a full commit SHA with a version comment', () => {
    for (const [file, text] of [['deploy.yml', deployText], ['ci.yml', ciText]] as const) {
      const uses = text.split('\n').filter((line) => /^\s*-?\s*uses:/.test(line));
      assert.ok(uses.length >= 2, `${file} uses actions`);
      for (const line of uses) assert.match(line, /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file}: ${line.trim()}`);
    }
  });

  test('runs exactly the documented up command, after credentials and npm ci', () => {
    const all = steps(deploy);
    const deploying = all.filter((step) => /\bnpx\s/.test(step.run ?? ''));
    assert.equal(deploying.length, 1);
    assert.equal(deploying[0]?.run?.trim(), `${DEPLOY_COMMAND} > up.json`);
    const index = (predicate: (step: Step) => boolean) => all.findIndex(predicate);
    const deployAt = index((step) => step === deploying[0]);
    assert.ok(index((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@') === true) < deployAt);
    assert.ok(index((step) => step.run?.trim().startsWith('npm ci') === true) < deployAt);
    assert.equal(all.find((step) => step.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'], 20);
  });

  test('the region step prefers the repository variable, then resume-infra.json, then us-east-1', async () => {
    const step = steps(deploy).find((candidate) => candidate.id === 'region');
    assert.ok(step);
    assert.equal(step.env?.REGION_VARIABLE, `\${{ vars.${REGION_VARIABLE} }}`);
    const dir = await mkdtemp(join(tmpdir(), 'deploy-region-'));
    const pick = async (variable: string, config: Record<string, unknown>): Promise<string> => {
      await writeFile(join(dir, 'resume-infra.json'), JSON.stringify(config));
      const output = join(dir, `output-${Math.random()}`);
      const result = runStep(step, dir, { REGION_VARIABLE: variable, GITHUB_OUTPUT: output });
      assert.equal(result.status, 0, result.stderr);
      return (await readFile(output, 'utf8')).trim();
    };
    assert.equal(await pick('', { project: 'jane-resume', region: 'eu-west-1' }), 'region=eu-west-1');
    assert.equal(await pick('ap-south-1', { project: 'jane-resume', region: 'eu-west-1' }), 'region=ap-south-1');
    assert.equal(await pick('', { project: 'jane-resume' }), 'region=us-east-1');
  });

  test('the summary step writes the site URL, API URL and distribution id to the job summary', async () => {
    const step = steps(deploy).find((candidate) => candidate.run?.includes('GITHUB_STEP_SUMMARY'));
    assert.ok(step);
    const dir = await mkdtemp(join(tmpdir(), 'deploy-summary-'));
    const up = {
      command: 'up', ok: true, summary: { create: 0, update: 1, delete: 0 }, seconds: 12.5,
      outputs: { tableName: 'jane-resume-counter', apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/count', siteUrl: 'https://d111.cloudfront.net', distributionId: 'E2ABC' },
    };
    await writeFile(join(dir, 'up.json'), JSON.stringify(up));
    const summary = join(dir, 'summary.md');
    const result = runStep(step, dir, { GITHUB_STEP_SUMMARY: summary });
    assert.equal(result.status, 0, result.stderr);
    const text = await readFile(summary, 'utf8');
    assert.match(text, /^### resume-infra up: 0 created, 1 updated, 0 deleted \(12\.5s\)$/m);
    assert.match(text, /^\| Site \| https:\/\/d111\.cloudfront\.net \|$/m);
    assert.match(text, /^\| Counter API \| https:\/\/abc\.execute-api\.eu-west-1\.amazonaws\.com\/prod\/count \|$/m);
    assert.match(text, /^\| CloudFront distribution \| E2ABC \|$/m);
    assert.match(text, /^\| tableName \| jane-resume-counter \|$/m);
  });
});

describe('ci workflow', () => {
  test('runs the same commands as .ci/run, in the same order', async () => {
    const script = await read('.ci/run');
    // The commands .ci/run runs unconditionally (its install of the emulator is a fallback).
    const local = script.split('\n').map((line) => line.trim()).filter((line) => /^npm /.test(line));
    assert.deepEqual(local, ['npm ci --no-audit --no-fund', 'npm test', 'npm run test:crash'], 'the .ci/run this test was written against');
    const runs = steps(ci).map((step) => step.run?.trim()).filter((run): run is string => run !== undefined);
    assert.deepEqual(runs.filter((run) => run.startsWith('npm ')), local);
    assert.ok(script.includes('pip install "moto[server]"'));
    assert.ok(runs.indexOf('pip install "moto[server]"') >= 0 && runs.indexOf('pip install "moto[server]"') < runs.indexOf('npm test'), 'the emulator is installed before the tests');
  });

  test('runs on pushes and pull requests with the Node version the deploy uses', () => {
    assert.ok('push' in ci.on && 'pull_request' in ci.on);
    assert.deepEqual(ci.permissions, { contents: 'read' });
    const node = (workflow: Workflow) => steps(workflow).find((step) => step.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'];
    assert.equal(node(ci), node(deploy));
  });
});
