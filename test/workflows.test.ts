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
import { RECOMMENDED_MAJOR, SUPPORTED_LINES } from '../cli/node-version.mjs';
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
  if?: string;
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

test('the summary step writes verify, the rollback and verify after it when the release failed its checks', async () => {
  const step = steps(deploy).find((candidate) => candidate.run?.includes('GITHUB_STEP_SUMMARY'));
  assert.ok(step);
  assert.equal(step.if, 'always()', 'the summary is written when up --verify fails the job too');
  const dir = await mkdtemp(join(tmpdir(), 'deploy-summary-verify-'));
  const check = (name: string, status: string, expected: string, seen: string) => ({ name, status, expected, seen });
  const up = {
    command: 'up', ok: false, summary: { create: 0, update: 1, delete: 0 }, seconds: 30.1, outputs: { siteUrl: 'https://d111.cloudfront.net' },
    verify: { ok: false, checks: [check('home', 'ok', '200 with content-type text/html', '200 with content-type text/html'), check('header x-frame-options', 'failed', '"DENY"', '(missing)')] },
    rollback: { from: 'bbbbbbbbbbbb', to: 'aaaaaaaaaaaa', switched: true },
    verifyAfterRollback: { ok: true, checks: [check('header x-frame-options', 'ok', '"DENY"', '"DENY"'), check('counter-cors', 'ok', 'a | b', 'a | b')] },
  };
  await writeFile(join(dir, 'up.json'), JSON.stringify(up));
  const summary = join(dir, 'summary.md');
  const result = runStep(step, dir, { GITHUB_STEP_SUMMARY: summary });
  assert.equal(result.status, 0, result.stderr);
  const text = await readFile(summary, 'utf8');
  assert.match(text, /^### verify: failed\n\n\| check \| result \| expected \| seen \|$/m);
  assert.match(text, /^\| header x-frame-options \| failed \| "DENY" \| \(missing\) \|$/m);
  assert.match(text, /^### rollback: release aaaaaaaaaaaa is live \(was bbbbbbbbbbbb\)$/m);
  assert.match(text, /^### verify after the rollback: ok$/m);
  assert.match(text, /^\| counter-cors \| ok \| a \\\| b \| a \\\| b \|$/m, 'a | inside a cell is escaped');
});

interface MatrixJob {
  node: number;
  run: string;
}

/** The jobs .ci/run runs: its JOBS lines, each "<node major> <command>". */
function ciRunJobs(script: string): MatrixJob[] {
  const block = /^JOBS=\(\n([\s\S]*?)^\)$/m.exec(script)?.[1];
  assert.ok(block, '.ci/run has a JOBS=( ... ) list');
  return block.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const job = /^"(\d+) (npm [^"]+)"$/.exec(line);
    assert.ok(job?.[1] && job[2], `a JOBS line is "<major> <npm command>": ${line}`);
    return { node: Number(job[1]), run: job[2] };
  });
}

const byNodeThenRun = (a: MatrixJob, b: MatrixJob) => a.node - b.node || a.run.localeCompare(b.run);

describe('ci workflow', () => {
  const ciJob = (): { strategy?: { matrix?: { include?: MatrixJob[] } }; steps: Step[] } => {
    const job = Object.values(ci.jobs)[0];
    assert.ok(job);
    return job as { strategy?: { matrix?: { include?: MatrixJob[] } }; steps: Step[] };
  };

  test('its matrix runs exactly the jobs .ci/run runs, each on its Node version', async () => {
    const local = ciRunJobs(await read('.ci/run'));
    const matrix = ciJob().strategy?.matrix?.include ?? [];
    assert.deepEqual([...matrix].sort(byNodeThenRun), [...local].sort(byNodeThenRun));
    const steps = ciJob().steps;
    assert.equal(steps.find((step) => step.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'], '${{ matrix.node }}');
    assert.ok(steps.some((step) => step.run === '${{ matrix.run }}'), 'a step runs the matrix command');
  });

  test('the jobs: the suite on 20 and 24, the crash tests once on 24, the smoke run on every other supported version', async () => {
    const jobs = ciRunJobs(await read('.ci/run'));
    const on = (run: string) => jobs.filter((job) => job.run === run).map((job) => job.node).sort((a, b) => a - b);
    assert.deepEqual(on('npm test'), [20, 24]);
    assert.deepEqual(on('npm run test:crash'), [24]);
    const supported = SUPPORTED_LINES.map(([major]) => major);
    assert.deepEqual(on('npm run smoke'), supported.filter((major) => !on('npm test').includes(major)));
    assert.deepEqual([...new Set(jobs.map((job) => job.node))].sort((a, b) => a - b), supported, 'every supported Node and no other');
  });

  test('the .ci/run jobs parser reads JOBS lines and refuses a line that is not "<major> <npm command>"', () => {
    assert.deepEqual(ciRunJobs('x\nJOBS=(\n  "24 npm test"\n  "22 npm run smoke"\n)\n'), [{ node: 24, run: 'npm test' }, { node: 22, run: 'npm run smoke' }]);
    assert.throws(() => ciRunJobs('JOBS=(\n  "npm test"\n)\n'), /a JOBS line is/);
    assert.throws(() => ciRunJobs('no jobs here\n'), /has a JOBS/);
  });

  test('installs the emulator and runs npm ci before the job, as .ci/run does', async () => {
    const script = await read('.ci/run');
    assert.ok(script.includes('pip install "moto[server]"'));
    assert.match(script, /^npm ci --no-audit --no-fund$/m);
    const runs = ciJob().steps.map((step) => step.run?.trim());
    const at = (run: string) => runs.indexOf(run);
    assert.ok(at('pip install "moto[server]"') >= 0 && at('npm ci --no-audit --no-fund') > at('pip install "moto[server]"'));
    assert.ok(at('${{ matrix.run }}') > at('npm ci --no-audit --no-fund'), 'the emulator and the dependencies come first');
  });

  test('runs on pushes and pull requests; the deploy uses the recommended Node', () => {
    assert.ok('push' in ci.on && 'pull_request' in ci.on);
    assert.deepEqual(ci.permissions, { contents: 'read' });
    assert.equal(steps(deploy).find((step) => step.uses?.startsWith('actions/setup-node@'))?.with?.['node-version'], RECOMMENDED_MAJOR);
  });
});
