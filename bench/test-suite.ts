// How long the test suite takes: `npm run bench:tests` runs what `npm test` runs (the pretest
// check, the type check and every test file, one at a time) and times each step;
// `npm run bench:tests -- test/a.test.ts …` times only those files. Prints one line per file and
// the total, with what the machine was doing (cores, load average): a loaded machine is slower.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = process.argv.slice(2);

function timed(command: string, args: string[]): Promise<{ ms: number; code: number; output: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ ms: performance.now() - started, code: code ?? 1, output }));
  });
}

const testFiles = files.length > 0 ? files : (await readdir(join(root, 'test'))).filter((name) => name.endsWith('.test.ts')).sort().map((name) => `test/${name}`);
const loadBefore = loadavg()[0] ?? 0;
const steps: Array<{ label: string; ms: number; code: number; output: string }> = [];
if (files.length === 0) {
  // What `npm test` runs, in its order: the pretest check, the type check, then each file alone
  // (it runs them one at a time too, --test-concurrency=1).
  steps.push({ label: 'pretest check', ...(await timed(process.execPath, ['--import', 'tsx', 'scripts/test-prerequisites.ts'])) });
  steps.push({ label: 'tsc --noEmit', ...(await timed(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit'])) });
}
for (const file of testFiles) {
  const step = { label: file, ...(await timed(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', file])) };
  steps.push(step);
  process.stdout.write(`${(step.ms / 1000).toFixed(1).padStart(7)} s  ${file}${step.code === 0 ? '' : '  FAILED'}\n`);
}
const loadAfter = loadavg()[0] ?? 0;
const total = steps.reduce((sum, step) => sum + step.ms, 0);
const failed = steps.filter((step) => step.code !== 0);
const what = files.length > 0 ? `${files.length} test file(s)` : `npm test (pretest, tsc and ${testFiles.length} test files)`;
process.stdout.write(`${what}: ${(total / 1000).toFixed(1)} s, ${failed.length} failed; Node ${process.versions.node}, ${availableParallelism()} cores, load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after\n`);
for (const step of failed) process.stdout.write(`--- ${step.label} failed:\n${step.output.slice(-3000)}\n`);
if (failed.length > 0) process.exitCode = 1;
