// Every precondition that can be known before a write is checked before the first one: each
// problem gives a clear line, all of them are reported together, and the emulator holds nothing
// afterwards (no bucket, so no state either).
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { useEmulator } from './helpers/emulator.ts';
import { makeProject, type CliRun, type TestProject } from './helpers/cli.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const base = { endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
const s3 = new S3Client({ ...base, region, forcePathStyle: true });
const route53 = new Route53Client({ ...base, region: 'us-east-1' });
const PROJECT = 'preflight-test';

let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, { project: PROJECT, region });
});

async function assertEmulatorEmpty(): Promise<void> {
  const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
  assert.deepEqual(buckets.map((bucket) => bucket.Name), [], 'no bucket, so no state bucket and no state');
}

function errorLine(run: CliRun): string {
  const lines = run.stderr.trim().split('\n').filter((line) => line.startsWith('error: '));
  assert.equal(lines.length, 1, run.stderr);
  return lines[0] ?? '';
}

async function writeConfig(config: unknown): Promise<void> {
  await writeFile(project.configPath, JSON.stringify(config));
}

describe('the site directory', () => {
  test('missing: one line, nothing created', async () => {
    await rm(join(project.dir, 'site'), { recursive: true });
    const result = await project.run('up');
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /site directory ".*site" does not exist or is not a directory; create it with your index\.html/);
    await assertEmulatorEmpty();
  });

  test('empty: one line, nothing created', async () => {
    await rm(join(project.dir, 'site'), { recursive: true });
    await mkdir(join(project.dir, 'site'));
    const result = await project.run('up');
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /site directory ".*site" is empty; put your index\.html in it; nothing was changed$/);
    await assertEmulatorEmpty();
  });

  test('without index.html: one line, nothing created', async () => {
    await rm(join(project.dir, 'site', 'index.html'));
    const result = await project.run('up');
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /has no index\.html, so the site would answer 404 at \/; add index\.html/);
    await assertEmulatorEmpty();
  });

  test('without 404.html: a warning, and up goes ahead', async () => {
    await rm(join(project.dir, 'site', '404.html'));
    const result = await project.run('up');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^warning: site directory ".*site" has no 404\.html/m);
  });
});

describe('the hosted zone', () => {
  test('missing, by name: one line, nothing created', async () => {
    await writeConfig({ project: PROJECT, region, domain: 'resume.example.com' });
    const result = await project.run('up');
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /no public Route 53 hosted zone found for domain "resume\.example\.com"/);
    await assertEmulatorEmpty();
  });

  test('missing, by id: one line, nothing created', async () => {
    await writeConfig({ project: PROJECT, region, domain: 'resume.example.com', hostedZone: 'Z0123456789NOSUCHZONE' });
    const result = await project.run('up');
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /no public Route 53 hosted zone found for domain "resume\.example\.com" \(looked for Z0123456789NOSUCHZONE\)/);
    await assertEmulatorEmpty();
  });

  test('given by id, found: plan uses it', async () => {
    const created = await route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `zone-${Date.now()}` }));
    const zoneId = (created.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    await writeConfig({ project: PROJECT, region, domain: 'resume.example.com', hostedZone: zoneId });
    const result = await project.run('plan');
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stdout, /\+ create ACM certificate/);
  });

  test('given by id, of another domain: one line naming the zone', async () => {
    const created = await route53.send(new CreateHostedZoneCommand({ Name: 'other.org', CallerReference: `zone-${Date.now()}` }));
    const zoneId = (created.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    await writeConfig({ project: PROJECT, region, domain: 'resume.example.com', hostedZone: zoneId });
    const result = await project.run('up');
    assert.equal(result.code, 1);
    assert.match(errorLine(result), new RegExp(`domain "resume\\.example\\.com" is not inside hosted zone ${zoneId} \\(other\\.org\\)`));
    await assertEmulatorEmpty();
  });
});

describe('credentials and region', () => {
  // A child process, so the SDK's credential chain sees an environment with no keys at all.
  const noCredentials = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };

  test('no credentials: one line, nothing created', async () => {
    const result = await project.spawn(['up'], noCredentials);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: no usable AWS credentials for profile default \(CredentialsProviderError: .*\); set AWS_PROFILE.*nothing was changed$/m);
    await assertEmulatorEmpty();
  });

  test('no region: one line, nothing created', async () => {
    await writeConfig({ project: PROJECT });
    const result = await project.spawn(['up'], { AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_CONFIG_FILE: '/nonexistent' });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: no AWS region set; pass --region/m);
    await assertEmulatorEmpty();
  });
});

describe('every problem together', () => {
  test('an empty site and a missing hosted zone are both reported, and nothing is created', async () => {
    await rm(join(project.dir, 'site'), { recursive: true });
    await mkdir(join(project.dir, 'site'));
    await writeConfig({ project: PROJECT, region, domain: 'resume.example.com' });
    const result = await project.run('up');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: 2 problems, nothing was changed:$/m);
    assert.match(result.stderr, /^ {2}- site directory ".*site" is empty/m);
    assert.match(result.stderr, /^ {2}- no public Route 53 hosted zone found/m);
    await assertEmulatorEmpty();
  });
});

describe('dev', () => {
  test('a busy port and a site without index.html are reported before the emulator starts', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      await rm(join(project.dir, 'site', 'index.html'));
      const result = await project.run('dev', '--port', String(port));
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^error: 2 problems, nothing was changed:$/m);
      assert.match(result.stderr, new RegExp(`^ {2}- port ${port} is in use; stop what holds it or pass --port <another>$`, 'm'));
      assert.match(result.stderr, /^ {2}- site directory ".*site" has no index\.html/m);
      assert.doesNotMatch(result.stderr, /local AWS emulator at/);
      await assertEmulatorEmpty();
    } finally {
      holder.close();
    }
  });
});
