// The site's delivery stack without a domain (site bucket, bucket policy, OAC, distribution) against the emulator.
// Importing this module starts the emulator and registers a beforeEach that gives every test a fresh project.
import { beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { CloudFrontClient, GetDistributionConfigCommand, ListDistributionsCommand, ListOriginAccessControlsCommand, type DistributionConfig } from '@aws-sdk/client-cloudfront';
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { ACCOUNT, useEmulator } from './emulator.ts';
import { makeProject, type CliRun, type TestProject } from './cli.ts';

export const emulator = await useEmulator();
export const region = 'eu-west-1';
export const aws = { endpoint: emulator.endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
export const s3 = new S3Client({ ...aws, forcePathStyle: true });
export const cloudfront = new CloudFrontClient({ ...aws, region: 'us-east-1' });

export const PROJECT = 'jane-resume';
export const SITE_BUCKET = `${PROJECT}-site-${ACCOUNT}`;
export const STATE_BUCKET = `resume-infra-state-${ACCOUNT}-${region}`;
export const STATE_KEY = `${PROJECT}/state.json`;
export const SITE_FILES = { 'site/index.html': '<!doctype html><title>Jane</title><h1>Jane</h1>', 'site/404.html': '<!doctype html><title>Not found</title>' };

export let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, { project: PROJECT, region, tags: { owner: 'jane' } }, SITE_FILES);
});

export async function upOk(target: TestProject = project): Promise<CliRun> {
  const result = await target.run('up');
  assert.equal(result.code, 0, result.stdout + result.stderr);
  return result;
}

export async function distributionIds(): Promise<string[]> {
  const list = await cloudfront.send(new ListDistributionsCommand({}));
  return (list.DistributionList?.Items ?? []).map((item) => item.Id ?? '');
}

export async function onlyDistribution(): Promise<{ id: string; arn: string; domainName: string; config: DistributionConfig; etag: string }> {
  const list = await cloudfront.send(new ListDistributionsCommand({}));
  const items = list.DistributionList?.Items ?? [];
  assert.equal(items.length, 1, 'exactly one distribution');
  const item = items[0];
  assert.ok(item?.Id && item.ARN && item.DomainName);
  const response = await cloudfront.send(new GetDistributionConfigCommand({ Id: item.Id }));
  assert.ok(response.DistributionConfig && response.ETag);
  return { id: item.Id, arn: item.ARN, domainName: item.DomainName, config: response.DistributionConfig, etag: response.ETag };
}

export async function oacsNamed(name: string): Promise<string[]> {
  const list = await cloudfront.send(new ListOriginAccessControlsCommand({}));
  return (list.OriginAccessControlList?.Items ?? []).filter((item) => item.Name === name).map((item) => item.Id ?? '');
}

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

export async function bucketPolicyStatements(): Promise<PolicyStatement[]> {
  const text = (await s3.send(new GetBucketPolicyCommand({ Bucket: SITE_BUCKET }))).Policy ?? '';
  return (JSON.parse(text) as { Statement: PolicyStatement[] }).Statement;
}
