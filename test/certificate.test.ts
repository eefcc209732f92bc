// A custom domain: the ACM certificate in us-east-1 with its DNS validation, the distribution's
// aliases, and the A/AAAA alias records, against the emulator with a hosted zone made by each test.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACMClient, DescribeCertificateCommand, ListCertificatesCommand, ListTagsForCertificateCommand, RequestCertificateCommand, waitUntilCertificateValidated,
} from '@aws-sdk/client-acm';
import { CloudFrontClient, GetDistributionConfigCommand, ListDistributionsCommand, ListOriginAccessControlsCommand } from '@aws-sdk/client-cloudfront';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import {
  DeleteObjectCommand, ListBucketsCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { startEmulator } from '../src/emulator.ts';
import { VALIDATION_TIMEOUT_ENV } from '../src/resources/certificate.ts';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';
import { makeProject, resourceMutations, runCli, type CliRun, type TestProject } from './helpers/cli.ts';
import { stateBucket } from './helpers/s3.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const clientsFor = (endpoint: string) => {
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
const { acm, acmProjectRegion, cloudfront, route53, s3, tagging } = clientsFor(emulator.endpoint);

const PROJECT = 'jane-resume';
const DOMAIN = 'resume.example.com';
const SITE_BUCKET = `${PROJECT}-site-${ACCOUNT}`;
const STATE_BUCKET = stateBucket(region);
const STATE_KEY = `${PROJECT}/state.json`;
const SITE_FILES = { 'site/index.html': '<!doctype html><title>Jane</title>', 'site/404.html': '<!doctype html><title>Not found</title>' };
const CONFIG = { project: PROJECT, region, domain: DOMAIN };

let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, CONFIG, SITE_FILES);
});

async function createZone(name: string, client: Route53Client = route53): Promise<string> {
  const zone = await client.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}-${Date.now()}` }));
  return (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
}

async function records(zoneId: string, client: Route53Client = route53): Promise<ResourceRecordSet[]> {
  const all: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type'] } = {};
  for (;;) {
    const page = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }));
    all.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) return all.filter((record) => record.Type !== 'NS' && record.Type !== 'SOA');
    start = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType };
  }
}

async function certificatesFor(domain: string): Promise<Array<{ arn: string; status: string }>> {
  const list = await acm.send(new ListCertificatesCommand({}));
  return (list.CertificateSummaryList ?? []).filter((summary) => summary.DomainName === domain).map((summary) => ({ arn: summary.CertificateArn ?? '', status: summary.Status ?? '' }));
}

async function distributions(): Promise<Array<{ id: string; domainName: string }>> {
  const list = await cloudfront.send(new ListDistributionsCommand({}));
  return (list.DistributionList?.Items ?? []).map((item) => ({ id: item.Id ?? '', domainName: item.DomainName ?? '' }));
}

async function oacCount(): Promise<number> {
  const list = await cloudfront.send(new ListOriginAccessControlsCommand({}));
  return (list.OriginAccessControlList?.Items ?? []).filter((item) => item.Name === `${PROJECT}-oac`).length;
}

async function upOk(target: TestProject = project, ...extra: string[]): Promise<CliRun> {
  const result = await target.run('up', '--json', ...extra);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  return result;
}

const aliasOf = (record: ResourceRecordSet | undefined) => record?.AliasTarget && {
  zone: record.AliasTarget.HostedZoneId,
  name: record.AliasTarget.DNSName?.replace(/\.$/, ''),
  health: record.AliasTarget.EvaluateTargetHealth,
};

describe('up with a domain', () => {
  test('up validates a us-east-1 certificate through the zone and points the domain at the distribution', async () => {
    const zoneId = await createZone('example.com');
    const result = await upOk();

    const certificates = await certificatesFor(DOMAIN);
    assert.equal(certificates.length, 1);
    const arn = certificates[0]?.arn ?? '';
    assert.match(arn, /^arn:aws:acm:us-east-1:/);
    assert.equal(certificates[0]?.status, 'ISSUED');
    assert.deepEqual((await acmProjectRegion.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [], [], 'none in the project region');
    const tags = (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }))).Tags ?? [];
    assert.ok(tags.some((tag) => tag.Key === 'resume-infra:project' && tag.Value === PROJECT));

    const validation = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate?.DomainValidationOptions?.[0]?.ResourceRecord;
    assert.ok(validation?.Name && validation.Value);
    const inZone = await records(zoneId);
    const cname = inZone.filter((record) => record.Type === 'CNAME');
    assert.deepEqual(cname.map((record) => [record.Name, record.ResourceRecords?.map((value) => value.Value)]), [[validation.Name, [validation.Value]]]);

    const [site] = await distributions();
    assert.ok(site);
    for (const type of ['A', 'AAAA']) {
      const matching = inZone.filter((record) => record.Type === type && record.Name === `${DOMAIN}.`);
      assert.equal(matching.length, 1, `one ${type} record`);
      assert.deepEqual(aliasOf(matching[0]), { zone: 'Z2FDTNDATAQYW2', name: site.domainName, health: false });
    }

    const config = (await cloudfront.send(new GetDistributionConfigCommand({ Id: site.id }))).DistributionConfig;
    assert.deepEqual(config?.Aliases?.Items, [DOMAIN]);
    assert.equal(config?.ViewerCertificate?.ACMCertificateArn, arn);
    assert.equal(config?.ViewerCertificate?.SSLSupportMethod, 'sni-only');
    assert.equal(config?.ViewerCertificate?.MinimumProtocolVersion, 'TLSv1.2_2021');
    assert.equal(config?.ViewerCertificate?.CloudFrontDefaultCertificate, false);

    const outputs = (JSON.parse(result.stdout) as { outputs: Record<string, string> }).outputs;
    assert.equal(outputs.siteUrl, `https://${DOMAIN}`);
    assert.equal(outputs.cloudfrontDomain, site.domainName);
    assert.match(result.stderr, /waiting for validation… check that example\.com NS records are delegated/);

    const plan = await project.run('plan');
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    const second = await upOk();
    assert.deepEqual(resourceMutations(second.calls).map((call) => `${call.service}.${call.operation} ${call.target ?? ''}`), []);
  });

  test('an ISSUED certificate for the domain tagged for this project is reused, not requested again', async () => {
    await createZone('example.com');
    const existing = (await acm.send(new RequestCertificateCommand({
      DomainName: DOMAIN, ValidationMethod: 'DNS', Tags: [{ Key: 'resume-infra:project', Value: PROJECT }],
    }))).CertificateArn ?? '';
    await waitUntilCertificateValidated({ client: acm, minDelay: 1, maxDelay: 2, maxWaitTime: 30 }, { CertificateArn: existing });
    const result = await upOk();
    assert.ok(!result.calls.some((call) => call.operation === 'RequestCertificate'));
    assert.deepEqual(await certificatesFor(DOMAIN), [{ arn: existing, status: 'ISSUED' }]);
    const [site] = await distributions();
    const config = (await cloudfront.send(new GetDistributionConfigCommand({ Id: site?.id }))).DistributionConfig;
    assert.equal(config?.ViewerCertificate?.ACMCertificateArn, existing);
  });

  test('the zone is the longest suffix of the domain that has one', async () => {
    await createZone('example.com');
    const nearer = await createZone(DOMAIN);
    await upOk();
    const types = (await records(nearer)).map((record) => record.Type).sort();
    assert.deepEqual(types, ['A', 'AAAA', 'CNAME']);
  });

  test('hostedZone in the config names the zone to use', async () => {
    const parent = await createZone('example.com');
    await createZone(DOMAIN);
    const named = await makeProject(emulator.endpoint, { ...CONFIG, hostedZone: 'example.com' }, SITE_FILES);
    await upOk(named);
    const types = (await records(parent)).map((record) => record.Type).sort();
    assert.deepEqual(types, ['A', 'AAAA', 'CNAME']);
  });

  test('a domain without a hosted zone fails with one line before anything is created', async () => {
    const result = await project.run('up');
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n').filter((line) => /hosted zone/.test(line));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /no public Route 53 hosted zone found for domain "resume\.example\.com" \(looked for resume\.example\.com, example\.com\)/);
    // Nothing at all: not even the state bucket's bootstrap or the lock.
    assert.deepEqual(result.calls.filter((call) => call.mutating).map((call) => `${call.service}.${call.operation}`), []);
    assert.deepEqual(await distributions(), []);
    assert.deepEqual(await certificatesFor(DOMAIN), []);
    assert.equal(await oacCount(), 0);
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(buckets.map((bucket) => bucket.Name), []);
  });
});

describe('lost state', () => {
  test('with the state object deleted, up duplicates no certificate, distribution, OAC, bucket or record', async () => {
    const zoneId = await createZone('example.com');
    await upOk();
    const before = { distributions: await distributions(), certificates: await certificatesFor(DOMAIN), records: await records(zoneId) };
    await s3.send(new DeleteObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY }));
    const again = await upOk();
    const creates = again.calls.filter((call) => /^(Create|Request)/.test(call.operation) && call.service !== 'S3');
    assert.deepEqual(creates.map((call) => `${call.service}.${call.operation}`), []);
    assert.deepEqual(await distributions(), before.distributions);
    assert.deepEqual(await certificatesFor(DOMAIN), before.certificates);
    assert.equal(await oacCount(), 1);
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(buckets.map((bucket) => bucket.Name).sort(), [SITE_BUCKET, STATE_BUCKET].sort());
    const after = await records(zoneId);
    assert.equal(after.length, 3, JSON.stringify(after));
    assert.deepEqual(after, before.records);
  });
});

describe('config changes', () => {
  test('removing the domain deletes the certificate and the records, and the site is served at its CloudFront name', async () => {
    const zoneId = await createZone('example.com');
    await upOk();
    const [site] = await distributions();
    const withoutDomain = await makeProject(emulator.endpoint, { project: PROJECT, region }, SITE_FILES);
    const plan = await withoutDomain.run('plan', '--json');
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    const planned = (JSON.parse(plan.stdout) as { changes: Array<{ resource: string; action: string }> }).changes;
    assert.deepEqual(planned.filter((change) => change.action === 'delete').map((change) => change.resource).sort(), ['certificate', 'dnsRecords']);

    // Deletes need --yes without a terminal (consent.test.ts covers the refusal).
    const result = await upOk(withoutDomain, '--yes');
    assert.deepEqual(await distributions(), [site], 'the same distribution');
    const config = (await cloudfront.send(new GetDistributionConfigCommand({ Id: site?.id }))).DistributionConfig;
    assert.equal(config?.Aliases?.Quantity ?? 0, 0);
    assert.equal(config?.ViewerCertificate?.CloudFrontDefaultCertificate, true);
    assert.deepEqual(await certificatesFor(DOMAIN), []);
    assert.deepEqual(await records(zoneId), []);
    const outputs = (JSON.parse(result.stdout) as { outputs: Record<string, string> }).outputs;
    assert.equal(outputs.siteUrl, `https://${site?.domainName ?? ''}`);
  });
});

describe('destroy', () => {
  test('destroy removes records, distribution, OAC, certificate and validation record, and every version in the bucket', async () => {
    const zoneId = await createZone('example.com');
    await upOk();
    // Someone turned versioning on: old versions and a delete marker must go too.
    await s3.send(new PutBucketVersioningCommand({ Bucket: SITE_BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket: SITE_BUCKET, Key: 'old.html', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: SITE_BUCKET, Key: 'old.html', Body: 'two' }));
    await s3.send(new DeleteObjectCommand({ Bucket: SITE_BUCKET, Key: 'old.html' }));
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: SITE_BUCKET }));
    assert.ok((versions.DeleteMarkers ?? []).length > 0 && (versions.Versions ?? []).length >= 2);

    const result = await project.run('destroy', '--yes');
    assert.equal(result.code, 0, result.stdout + result.stderr);

    const order = (operation: string) => result.calls.findIndex((call) => call.operation === operation);
    const firstRecordDelete = order('ChangeResourceRecordSets');
    assert.ok(firstRecordDelete >= 0 && firstRecordDelete < order('UpdateDistribution'), 'records before the distribution');
    assert.ok(order('UpdateDistribution') < order('DeleteDistribution'), 'disabled before deleted');
    for (const later of ['DeleteOriginAccessControl', 'DeleteCertificate', 'DeleteBucket']) {
      assert.ok(order('DeleteDistribution') < order(later), `${later} after the distribution`);
    }

    assert.deepEqual(await distributions(), []);
    assert.equal(await oacCount(), 0);
    assert.deepEqual(await certificatesFor(DOMAIN), []);
    assert.deepEqual(await records(zoneId), []);
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(buckets.map((bucket) => bucket.Name), [STATE_BUCKET]);
    for (const taggingRegion of [region, 'us-east-1']) {
      const tagged = await tagging(taggingRegion).send(new GetResourcesCommand({ TagFilters: [{ Key: 'resume-infra:project', Values: [PROJECT] }] }));
      const arns = (tagged.ResourceTagMappingList ?? []).map((mapping) => mapping.ResourceARN);
      assert.deepEqual(arns.filter((arn) => arn !== `arn:aws:s3:::${STATE_BUCKET}`), [], `nothing tagged is left in ${taggingRegion}`);
    }

    const again = await project.run('destroy', '--yes');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /Nothing to destroy/);
  });

  test('destroy keeps a validation CNAME that another certificate for the same name still uses, and that certificate', async () => {
    // GIVEN the stack with a domain, and a certificate for the same name that the user made by hand
    const zoneId = await createZone('example.com');
    await upOk();
    const [validation] = (await records(zoneId)).filter((record) => record.Type === 'CNAME');
    assert.ok(validation?.Name, 'the validation record exists after up');
    const other = (await acm.send(new RequestCertificateCommand({ DomainName: DOMAIN, ValidationMethod: 'DNS' }))).CertificateArn ?? '';
    const otherRecord = (await acm.send(new DescribeCertificateCommand({ CertificateArn: other }))).Certificate?.DomainValidationOptions?.[0]?.ResourceRecord;
    // ACM gives every certificate for a name in an account the same validation CNAME.
    assert.equal(otherRecord?.Name, validation.Name);

    // WHEN destroy runs
    const result = await project.run('destroy', '--yes');
    assert.equal(result.code, 0, result.stdout + result.stderr);

    // THEN the project's certificate is gone, but the CNAME the other one renews with stays, and so does it
    assert.deepEqual((await certificatesFor(DOMAIN)).map((certificate) => certificate.arn), [other]);
    assert.deepEqual((await records(zoneId)).map((record) => [record.Name, record.Type]), [[validation.Name, 'CNAME']]);
  });

  test('up after a destroy makes a new certificate, even though its idempotency token was used before', async () => {
    await createZone('example.com');
    await upOk();
    assert.equal((await project.run('destroy', '--yes')).code, 0);
    await upOk();
    const certificates = await certificatesFor(DOMAIN);
    assert.equal(certificates.length, 1);
    assert.equal(certificates[0]?.status, 'ISSUED');
  });
});

describe('validation timeout', () => {
  test('a certificate not validated in time fails with a message naming the zone NS delegation to check', async (t) => {
    // The shared emulator issues certificates after 1 s; this one does not within the test.
    const slow = await startEmulator({ env: { MOTO_ACM_VALIDATION_WAIT: '600' } });
    t.after(() => slow.stop());
    const { endpoint } = slow;
    const zoneId = await createZone('example.com', clientsFor(endpoint).route53);
    const slowProject = await makeProject(endpoint, CONFIG, SITE_FILES);
    process.env[VALIDATION_TIMEOUT_ENV] = '3';
    let result: CliRun;
    try {
      result = await runCli(['-c', slowProject.configPath, '--endpoint-url', endpoint, 'up']);
    } finally {
      delete process.env[VALIDATION_TIMEOUT_ENV];
    }
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`certificate for resume\\.example\\.com was not validated within 3 s; check that your registrar's NS records for example\\.com match the Route 53 zone ${zoneId}`));
    // The validation record is in place for when the delegation is fixed.
    const cnames = (await records(zoneId, clientsFor(endpoint).route53)).filter((record) => record.Type === 'CNAME');
    assert.equal(cnames.length, 1);
  });
});
