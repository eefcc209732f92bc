// The commands the tool prints for the user to run next work as printed: they carry -c,
// --region, --profile and --endpoint-url, and a shell runs them verbatim from the repository root.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { useEmulator } from './helpers/emulator.ts';
import { makeProject, printedCommand, runPrintedCommand, type TestProject } from './helpers/cli.ts';
import { objectExists, stateBucket } from './helpers/s3.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const PROFILE = 'resume-recovery';
const s3 = new S3Client({ endpoint: emulator.endpoint, region, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

// A named profile, so the printed commands must carry --profile to find credentials at all.
const awsDir = await mkdtemp(join(tmpdir(), 'resume-aws-'));
await writeFile(join(awsDir, 'credentials'), `[${PROFILE}]\naws_access_key_id = test\naws_secret_access_key = test\n`);
await writeFile(join(awsDir, 'config'), `[profile ${PROFILE}]\n`);
const profileEnv = { AWS_SHARED_CREDENTIALS_FILE: join(awsDir, 'credentials'), AWS_CONFIG_FILE: join(awsDir, 'config') };
Object.assign(process.env, profileEnv);

let project: TestProject;
// No region in the config: the commands must carry --region.
beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, { project: 'recovery-test' });
});

const run = (...args: string[]) => project.run('--region', region, '--profile', PROFILE, ...args);

const runPrinted = (command: string) => runPrintedCommand(command, profileEnv);

test('the printed unlock command carries -c, --region, --profile and --endpoint-url, and removes the stale lock', async () => {
  assert.equal((await run('up')).code, 0);
  // A run killed while it held the lock leaves this behind.
  const lockId = '0f0e0d0c-0b0a-4909-8807-060504030201';
  const lockKey = 'recovery-test/state.json.lock';
  await s3.send(new PutObjectCommand({
    Bucket: stateBucket(region), Key: lockKey,
    Body: JSON.stringify({ id: lockId, who: 'ci@runner', command: 'up', createdAt: '2026-01-01T00:00:00.000Z', pid: 1 }),
  }));
  const refused = await run('up');
  assert.equal(refused.code, 1);
  const unlock = printedCommand(refused.stderr);
  assert.equal(unlock, `npx resume-infra -c ${project.configPath} --region ${region} --profile ${PROFILE} --endpoint-url ${emulator.endpoint} unlock ${lockId}`);

  const unlocked = await runPrinted(unlock);
  assert.equal(unlocked.code, 0, unlocked.stderr);
  assert.match(unlocked.stdout, new RegExp(`Removed the lock ${lockId} held by ci@runner`));
  assert.equal(await objectExists(s3, stateBucket(region), lockKey), false);
  assert.equal((await run('up')).code, 0, 'up runs again');
});

test('the "run up first" hints of deploy-site, deploy-lambda, invalidate and status are one command that, run as printed, deploys', async () => {
  const hints = new Map<string, string>();
  for (const command of ['deploy-site', 'deploy-lambda', 'invalidate', 'status']) {
    const result = await run(command);
    assert.equal(result.code, command === 'status' ? 0 : 1, result.stderr);
    hints.set(command, printedCommand(result.stdout + result.stderr));
  }
  const expected = `npx resume-infra -c ${project.configPath} --region ${region} --profile ${PROFILE} --endpoint-url ${emulator.endpoint} up`;
  assert.deepEqual([...hints.entries()], [...hints.keys()].map((command) => [command, expected]));

  const deployed = await runPrinted(expected);
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.match(deployed.stdout, /Done: \d+ created/);
  for (const command of hints.keys()) {
    const after = await run(command);
    assert.equal(after.code, 0, `${command} after the printed up: ${after.stderr}`);
  }
});
