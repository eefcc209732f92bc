// `up` and `ci-setup` ask before they change AWS resources, as `terraform apply` does: on a
// terminal (driven through a pseudo-terminal), with --yes, and with no terminal at all.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACMClient, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { CONSENT_QUESTION } from '../src/project/consent.ts';
import { useEmulator } from './helpers/emulator.ts';
import { makeProject, printedCommand, resourceMutations, runPrintedCommand, type TestProject } from './helpers/cli.ts';
import { runInTerminal } from './helpers/pty.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const base = { endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
const s3 = new S3Client({ ...base, region, forcePathStyle: true });
const acm = new ACMClient({ ...base, region: 'us-east-1' });
const route53 = new Route53Client({ ...base, region: 'us-east-1' });
const iam = new IAMClient({ ...base, region: 'us-east-1' });

const PROJECT = 'consent-test';
const DOMAIN = 'resume.example.com';

let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, { project: PROJECT, region });
});

async function bucketNames(): Promise<string[]> {
  return ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name ?? '');
}

async function certificateCount(): Promise<number> {
  return ((await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? []).filter((summary) => summary.DomainName === DOMAIN).length;
}

/** A deployed stack with a custom domain, then the domain removed from the config: the next up deletes. */
async function deployedThenDomainRemoved(): Promise<void> {
  await route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `zone-${Date.now()}` }));
  await writeFile(project.configPath, JSON.stringify({ project: PROJECT, region, domain: DOMAIN }));
  const first = await project.run('up');
  assert.equal(first.code, 0, first.stderr);
  assert.equal(await certificateCount(), 1);
  await writeFile(project.configPath, JSON.stringify({ project: PROJECT, region }));
}

const terminalArgs = (...args: string[]) => ['-c', project.configPath, '--endpoint-url', emulator.endpoint, ...args];

describe('up on a terminal', () => {
  test('shows the plan and asks; "n" changes nothing, not even the state bucket', async () => {
    const result = await runInTerminal(terminalArgs('up'), { question: CONSENT_QUESTION, answer: 'n' });
    assert.equal(result.code, 1, result.screen);
    assert.match(result.screen, /\+ create S3 state bucket/);
    assert.match(result.screen, /\+ create DynamoDB table/);
    assert.match(result.screen, /Plan: \d+ to create, 0 to update, 0 to delete\./);
    assert.match(result.screen, /up cancelled: nothing was changed/);
    assert.deepEqual(await bucketNames(), []);
  });

  test('"y" applies the plan', async () => {
    const result = await runInTerminal(terminalArgs('up'), { question: CONSENT_QUESTION, answer: 'y' });
    assert.equal(result.code, 0, result.screen);
    assert.match(result.screen, /Done: \d+ created/);
    assert.equal((await bucketNames()).length, 2);
  });

  test('--yes applies without asking', async () => {
    const result = await runInTerminal(terminalArgs('up', '--yes'));
    assert.equal(result.code, 0, result.screen);
    assert.ok(!result.screen.includes(CONSENT_QUESTION), result.screen);
    assert.equal((await bucketNames()).length, 2);
  });

  test('asks nothing when only site files change', async () => {
    assert.equal((await project.run('up')).code, 0);
    await writeFile(join(project.dir, 'site', 'index.html'), '<!doctype html><title>Changed</title>');
    const result = await runInTerminal(terminalArgs('up'));
    assert.equal(result.code, 0, result.screen);
    assert.ok(!result.screen.includes(CONSENT_QUESTION), result.screen);
    assert.match(result.screen, /Site: release [0-9a-f]{16} is live \(was [0-9a-f]{16}\): 1 uploaded/);
  });
});

describe('up without a terminal', () => {
  test('creates without --yes: a plan with no delete or replace needs no consent', async () => {
    const result = await project.run('up');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /up will change these AWS resources:/);
    assert.equal((await bucketNames()).length, 2);
  });

  test('a plan that deletes prints the plan and one line asking for --yes, exits 1 and changes nothing', async () => {
    await deployedThenDomainRemoved();
    const result = await project.run('up');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /- delete ACM certificate/);
    const lastLine = result.stderr.trim().split('\n').at(-1) ?? '';
    assert.match(lastLine, /^error: the plan would delete ACM certificate .* there is no terminal to ask on; nothing was changed\. Review the plan above, then run `npx resume-infra -c \S+ --endpoint-url \S+ up --yes`$/);
    assert.deepEqual(resourceMutations(result.calls), []);
    assert.equal(await certificateCount(), 1);

    // The printed command, run as printed (it has no terminal either): --yes applies the deletes.
    const rerun = await runPrintedCommand(printedCommand(lastLine), { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, /Done: 0 created, \d+ updated, [1-9]\d* deleted/);
    assert.equal(await certificateCount(), 0);
  });
});

describe('ci-setup asks the same way', () => {
  const roles = async () => ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((role) => role.RoleName);

  test('on a terminal, "n" creates neither the role nor the state bucket', async () => {
    const result = await runInTerminal(terminalArgs('ci-setup', '--repo', 'jane/resume'), { question: CONSENT_QUESTION, answer: 'n' });
    assert.equal(result.code, 1, result.screen);
    assert.match(result.screen, /\+ create GitHub deploy role/);
    assert.match(result.screen, /ci-setup cancelled: nothing was changed/);
    assert.deepEqual(await roles(), []);
    assert.deepEqual(await bucketNames(), []);
  });

  test('on a terminal, "y" creates the deploy role', async () => {
    const result = await runInTerminal(terminalArgs('ci-setup', '--repo', 'jane/resume'), { question: CONSENT_QUESTION, answer: 'y' });
    assert.equal(result.code, 0, result.screen);
    assert.ok((await roles()).includes(`${PROJECT}-github-deploy`));
  });
});
