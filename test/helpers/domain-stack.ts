// The site with a domain (certificate, validation and alias records in the zone) against the emulator.
// Importing this module starts the emulator and registers a beforeEach that gives every test a fresh project.
import { beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ACMClient, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { CloudFrontClient, ListDistributionsCommand, ListOriginAccessControlsCommand } from '@aws-sdk/client-cloudfront';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { ACCOUNT, useEmulator } from './emulator.ts';
import { makeProject, type CliRun, type TestProject } from './cli.ts';
import { stateBucket } from './s3.ts';

export const emulator = await useEmulator();
export const region = 'eu-west-1';
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const clientsFor = (endpoint: string) => {
  const base = { endpoint, credentials, maxAttempts: 1 };
  return {
    acm: new ACMClient({ ...base, region: 'us-east-1' }),
    acmProjectRegion: new ACMClient({ ...base, region }),
    cloudfront: new CloudFrontClient({ ...base, region: 'us-east-1' }),
    route53: new Route53Client({ ...base, region: 'us-east-1' }),
    s3: new S3Client({ ...base, region, forcePathStyle: true }),
    tagging: (taggingRegion: string) => new ResourceGroupsTaggingAPIClient({ ...base, region: taggingRegion }),
  };
};
export const { acm, acmProjectRegion, cloudfront, route53, s3, tagging } = clientsFor(emulator.endpoint);

export const PROJECT = 'jane-resume';
export const DOMAIN = 'resume.example.com';
export const SITE_BUCKET = `${PROJECT}-site-${ACCOUNT}`;
export const STATE_BUCKET = stateBucket(region);
export const STATE_KEY = `${PROJECT}/state.json`;
export const SITE_FILES = { 'site/index.html': '<!doctype html><title>Jane</title>', 'site/404.html': '<!doctype html><title>Not found</title>' };
export const CONFIG = { project: PROJECT, region, domain: DOMAIN };

export let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, CONFIG, SITE_FILES);
});

export async function createZone(name: string, client: Route53Client = route53): Promise<string> {
  const zone = await client.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}-${Date.now()}` }));
  return (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
}

export async function records(zoneId: string, client: Route53Client = route53): Promise<ResourceRecordSet[]> {
  const all: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type'] } = {};
  for (;;) {
    const page = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }));
    all.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) return all.filter((record) => record.Type !== 'NS' && record.Type !== 'SOA');
    start = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType };
  }
}

export async function certificatesFor(domain: string): Promise<Array<{ arn: string; status: string }>> {
  const list = await acm.send(new ListCertificatesCommand({}));
  return (list.CertificateSummaryList ?? []).filter((summary) => summary.DomainName === domain).map((summary) => ({ arn: summary.CertificateArn ?? '', status: summary.Status ?? '' }));
}

export async function distributions(): Promise<Array<{ id: string; domainName: string }>> {
  const list = await cloudfront.send(new ListDistributionsCommand({}));
  return (list.DistributionList?.Items ?? []).map((item) => ({ id: item.Id ?? '', domainName: item.DomainName ?? '' }));
}

export async function oacCount(): Promise<number> {
  const list = await cloudfront.send(new ListOriginAccessControlsCommand({}));
  return (list.OriginAccessControlList?.Items ?? []).filter((item) => item.Name === `${PROJECT}-oac`).length;
}

export async function upOk(target: TestProject = project, ...extra: string[]): Promise<CliRun> {
  const result = await target.run('up', '--json', ...extra);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  return result;
}

export const aliasOf = (record: ResourceRecordSet | undefined) => record?.AliasTarget && {
  zone: record.AliasTarget.HostedZoneId,
  name: record.AliasTarget.DNSName?.replace(/\.$/, ''),
  health: record.AliasTarget.EvaluateTargetHealth,
};
