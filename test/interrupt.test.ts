// Ctrl-C during `up` releases the state lock, and --verbose prints one line per AWS call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { useEmulator } from './helpers/emulator.ts';
import { BIN, makeProject } from './helpers/cli.ts';
import { objectExists, stateBucket } from './helpers/s3.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const s3 = new S3Client({ endpoint: emulator.endpoint, region, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
const LOCK_KEY = 'ctrl-c-resume/state.json.lock';

function lockExists(): Promise<boolean> {
  return objectExists(s3, stateBucket(region), LOCK_KEY);
}

test('Ctrl-C during up releases the state lock and exits 130', async () => {
  await emulator.reset();
  const project = await makeProject(emulator.endpoint, { project: 'ctrl-c-resume', region });
  const child = spawn(process.execPath, [BIN, '-c', project.configPath, '--endpoint-url', emulator.endpoint, 'up', '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Interrupt as soon as the lock is taken, while the resources are being made.
  const deadline = Date.now() + 30_000;
  while (!/PutObject \S+\.lock \d+ms ok/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await lockExists(), true, `the run took the lock:\n${stderr}`);
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /SIGINT: stopping and releasing the state lock/);
  assert.equal(await lockExists(), false, 'the lock is released');
  assert.match(stderr, /^aws STS\.GetCallerIdentity \d+ms ok$/m, 'one --verbose line per call: service.operation, ms, outcome');
  const rerun = await project.run('up');
  assert.equal(rerun.code, 0, rerun.stderr);
});
