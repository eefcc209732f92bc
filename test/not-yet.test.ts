// AWS's "not yet" answers and a new account's errors, reproduced by the quirks harness
// (src/aws/quirks.ts) in front of the emulator: with each quirk on, the command still succeeds,
// waits the way the table in src/aws/not-yet.ts says, or fails with one clear line.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { alwaysCaseFor, NOT_YET } from '../src/aws/not-yet.ts';
import { quirkCounts, resetQuirks, type Quirk } from '../src/aws/quirks.ts';
import { censusMismatches, takeCensus } from './helpers/census.ts';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';
import { makeProject, type CliRun, type TestProject } from './helpers/cli.ts';
import { objectExists, openStateStore, stateBucket } from './helpers/s3.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const PROJECT = 'quirky';
const DOMAIN = 'resume.example.com';
const MINUTE = 60_000;

function quirks(names: Quirk[] | 'all', windowMs = 1500): void {
  process.env.RESUME_INFRA_TEST_QUIRKS = names === 'all' ? 'all' : names.join(',');
  process.env.RESUME_INFRA_TEST_QUIRK_MS = String(windowMs);
}

beforeEach(async () => {
  await emulator.reset();
  resetQuirks();
});

afterEach(() => {
  delete process.env.RESUME_INFRA_TEST_QUIRKS;
  delete process.env.RESUME_INFRA_TEST_QUIRK_MS;
});

function ok(run: CliRun, what: string): void {
  assert.equal(run.code, 0, `${what} failed:\n${run.stderr}\n${run.stdout}`);
}

async function domainProject(): Promise<TestProject> {
  const route53 = new Route53Client({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `zone-${Date.now()}` }));
  route53.destroy();
  return makeProject(emulator.endpoint, { project: PROJECT, region, domain: DOMAIN });
}

const census = () => takeCensus({
  endpoint: emulator.endpoint, project: PROJECT, region, account: ACCOUNT, domain: DOMAIN,
  stateBucket: stateBucket(region), stateKey: `${PROJECT}/state.json`,
});

test('the production budgets are at least those of AWS and the Terraform AWS provider', () => {
  const atLeast: Array<[keyof typeof NOT_YET, number]> = [
    ['continuousBackups', 20 * MINUTE], ['lambdaRoleNotAssumable', 5 * MINUTE], ['iamReadAfterCreate', 2 * MINUTE],
    ['iamInvalidPrincipal', 2 * MINUTE], ['bucketCreateAborted', 2 * MINUTE], ['bucketSettingsAfterCreate', 2 * MINUTE],
    ['bucketReadAfterCreate', 2 * MINUTE], ['bucketPolicyAfterPut', 2 * MINUTE], ['certificateAfterRequest', 5 * MINUTE],
    ['certificateIssued', 5 * MINUTE], ['certificateValidationRecords', 5 * MINUTE], ['certificateInUse', 20 * MINUTE], ['apiConcurrentModification', 2 * MINUTE], ['conditionalWriteConflict', 1 * MINUTE],
    ['invalidationsInProgress', 10 * MINUTE],
  ];
  for (const [name, budget] of atLeast) assert.ok(NOT_YET[name].budgetMs >= budget, `${name}: ${NOT_YET[name].budgetMs} ms < ${budget} ms`);
  assert.deepEqual(Object.keys(NOT_YET).sort(), atLeast.map(([name]) => name).sort(), 'every case has a checked budget');
});

test('an error is "not yet" only for its operation, and by message where AWS reuses the name', () => {
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });
  assert.equal(alwaysCaseFor('APIGateway', 'PutMethod', named('ConflictException', 'Unable to complete operation due to concurrent modification. Please try again later.')), 'apiConcurrentModification');
  assert.equal(alwaysCaseFor('APIGateway', 'CreateResource', named('ConflictException', 'Another resource with the same parent already has this name: count')), undefined);
  assert.equal(alwaysCaseFor('Lambda', 'CreateFunction', named('InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.')), 'lambdaRoleNotAssumable');
  assert.equal(alwaysCaseFor('Lambda', 'CreateFunction', named('InvalidParameterValueException', 'Unsupported runtime nodejs99.x')), undefined);
  assert.equal(alwaysCaseFor('S3', 'PutObject', named('ConditionalRequestConflict', 'conflict')), 'conditionalWriteConflict');
  assert.equal(alwaysCaseFor('S3', 'HeadBucket', named('NoSuchBucket', 'gone')), undefined, 'a finder\'s not-found is not retried everywhere');
});

const NO_DOMAIN_QUIRKS: Array<[Quirk, RegExp]> = [
  ['continuousBackups', /waiting for DynamoDB to allow point-in-time recovery/],
  ['lambdaRole', /waiting for the new IAM role to reach Lambda/],
  ['iamReadAfterCreate', /waiting for IAM to show the new entity/],
  ['bucketAfterCreate', /waiting for S3 to show the new bucket/],
  ['bucketPolicyAfterPut', /waiting for S3 to show the new bucket policy/],
  ['apiConflict', /waiting for API Gateway to finish the previous change/],
];

for (const [quirk, message] of NO_DOMAIN_QUIRKS) {
  test(`up succeeds when AWS answers "not yet" (${quirk}) and says what it waits for`, async () => {
    quirks([quirk]);
    const project = await makeProject(emulator.endpoint, { project: PROJECT, region });
    const run = await project.run('up', '--yes');
    ok(run, 'up');
    assert.ok((quirkCounts()[quirk] ?? 0) > 0, `the harness never answered ${quirk}`);
    assert.match(run.stderr, message);
  });
}

test('up with a domain waits for the certificate to be describable and then ISSUED before CloudFront uses it', async () => {
  quirks(['certificateAfterRequest', 'certificateRecordsLate', 'certificateNotIssued'], 2500);
  const project = await domainProject();
  const run = await project.run('up', '--yes');
  ok(run, 'up');
  const counts = quirkCounts();
  assert.ok((counts.certificateAfterRequest ?? 0) > 0 && (counts.certificateRecordsLate ?? 0) > 0 && (counts.certificateNotIssued ?? 0) > 0, JSON.stringify(counts));
  assert.match(run.stderr, /waiting for ACM to publish the DNS validation records/);
  assert.match(run.stderr, /waiting for ACM to show the requested certificate/);
  assert.match(run.stderr, /waiting for ACM to mark the validated certificate ISSUED/);
  assert.equal((await census()).counts.certificates, 1, 'one certificate, no orphan from a second request');
});

test('a new account that CloudFront has not verified gets one line saying to open a support case', async () => {
  quirks(['cloudFrontNotVerified']);
  const project = await makeProject(emulator.endpoint, { project: PROJECT, region });
  const run = await project.run('up', '--yes');
  assert.equal(run.code, 1);
  const last = run.stderr.trim().split('\n').pop() ?? '';
  assert.match(last, /^error: AWS has not yet verified this account for CloudFront.*open a case with AWS Support.*https:\/\/console\.aws\.amazon\.com\/support/);
  assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/, 'no stack trace');
  assert.doesNotMatch(run.stderr, /waiting for/, 'not a case to wait out');
});

test('deploy-site and invalidate wait out TooManyInvalidationsInProgress', async () => {
  const project = await makeProject(emulator.endpoint, { project: PROJECT, region });
  ok(await project.run('up', '--yes'), 'up');
  quirks(['invalidationsInProgress'], 2000);
  ok(await project.run('invalidate'), 'first invalidate');
  const second = await project.run('invalidate', '/index.html');
  ok(second, 'second invalidate');
  assert.ok((quirkCounts().invalidationsInProgress ?? 0) > 0);
  assert.match(second.stderr, /waiting for earlier CloudFront invalidations to complete/);
});

test('destroy then up at once: CreateBucket waits while S3 finishes deleting the bucket of that name', async () => {
  const project = await makeProject(emulator.endpoint, { project: PROJECT, region });
  ok(await project.run('up', '--yes'), 'up');
  quirks(['bucketAfterDelete'], 2000);
  ok(await project.run('destroy', '--yes'), 'destroy');
  const again = await project.run('up', '--yes');
  ok(again, 'up after destroy');
  assert.ok((quirkCounts().bucketAfterDelete ?? 0) > 0);
  assert.match(again.stderr, /waiting for S3 to finish deleting the bucket of the same name/);
});

// A 409 ConditionalRequestConflict on the lock write is retried; what the retry meets decides the
// outcome. Each branch is set up on its own, so that neither depends on two runs' timing.
async function projectWithChange(): Promise<TestProject> {
  const project = await makeProject(emulator.endpoint, { project: PROJECT, region });
  ok(await project.run('up', '--yes'), 'first up');
  // A new allowed origin: the next up has an update to apply, so it takes the lock.
  await writeFile(project.configPath, JSON.stringify({ project: PROJECT, region, counter: { allowedOrigins: ['https://jane.example.org'] } }));
  return project;
}

test('an up whose lock write meets a 409 conflict while another run holds the lock retries, then gets the usual "locked by" line', async () => {
  const project = await projectWithChange();
  const held = await (await openStateStore(emulator.endpoint, project.configPath, region)).acquireLock('up');
  quirks(['lockConflict']);
  const run = await project.run('up', '--yes');
  assert.equal(run.code, 1, run.stderr);
  assert.equal(quirkCounts().lockConflict, 1);
  assert.match(run.stderr, /waiting for S3 to settle a concurrent conditional write/);
  assert.match(run.stderr, new RegExp(`is locked by \\S+ running \`up\` since \\S+ \\(lock id ${held.id}\\)`));
  assert.doesNotMatch(run.stderr, /ConditionalRequestConflict/);
});

test('an up whose lock write meets a 409 conflict while no run holds the lock retries, takes it, applies and releases it', async () => {
  const project = await projectWithChange();
  quirks(['lockConflict']);
  const run = await project.run('up', '--yes');
  ok(run, 'up after a 409 on its lock write');
  assert.equal(quirkCounts().lockConflict, 1);
  assert.match(run.stderr, /waiting for S3 to settle a concurrent conditional write/);
  assert.equal((await project.run('plan')).code, 0, 'the update was applied');
  const s3 = new S3Client({ region, endpoint: emulator.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  assert.equal(await objectExists(s3, stateBucket(region), `${PROJECT}/state.json.lock`), false, 'the lock was released');
  s3.destroy();
});

test('an AccessDenied inside a wait fails within seconds and names the denied action', async () => {
  quirks(['denyDescribeTable']);
  const project = await makeProject(emulator.endpoint, { project: PROJECT, region });
  const started = Date.now();
  const run = await project.run('up', '--yes');
  const seconds = (Date.now() - started) / 1000;
  assert.equal(run.code, 1);
  assert.match(run.stderr, /AWS denied dynamodb:DescribeTable/);
  assert.ok(seconds < 60, `took ${seconds} s; the waiter alone would poll for 300 s`);
});

test('every quirk at once: up with a domain, plan, deploy-site, deploy-lambda, invalidate and destroy all succeed', async () => {
  quirks('all');
  const project = await domainProject();
  ok(await project.run('up', '--yes'), 'up');
  const plan = await project.run('plan');
  assert.equal(plan.code, 0, `plan after up found changes:\n${plan.stdout}`);
  assert.deepEqual(censusMismatches(await census(), 1), [], 'exactly one of each');
  ok(await project.run('deploy-site'), 'deploy-site');
  ok(await project.run('deploy-lambda'), 'deploy-lambda');
  ok(await project.run('invalidate'), 'invalidate');
  ok(await project.run('destroy', '--yes'), 'destroy');
  const after = await census();
  assert.deepEqual(censusMismatches(after, 0), [], 'nothing left');
  assert.deepEqual(after.tagged, []);
  const answered = quirkCounts();
  for (const quirk of ['continuousBackups', 'lambdaRole', 'iamReadAfterCreate', 'bucketAfterCreate', 'bucketPolicyAfterPut', 'certificateAfterRequest', 'certificateRecordsLate', 'certificateNotIssued', 'certificateInUse', 'apiConflict'] as const) {
    assert.ok((answered[quirk] ?? 0) > 0, `${quirk} never answered: ${JSON.stringify(answered)}`);
  }
});

test('ci-setup waits while IAM does not yet know the new OIDC provider as a principal, and for its reads after create', async () => {
  quirks(['iamInvalidPrincipal', 'iamReadAfterCreate']);
  const project = await makeProject(emulator.endpoint, { project: PROJECT, region });
  const run = await project.run('ci-setup', '--repo', 'jane/resume', '--yes');
  ok(run, 'ci-setup');
  const counts = quirkCounts();
  assert.ok((counts.iamInvalidPrincipal ?? 0) > 0 && (counts.iamReadAfterCreate ?? 0) > 0, JSON.stringify(counts));
  assert.match(run.stderr, /waiting for IAM to know the new OIDC provider/);
});
