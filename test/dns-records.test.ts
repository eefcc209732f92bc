// src/resources/dns-records.ts: the domain's alias records, added, removed with the domain, and destroyed, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { DeleteObjectCommand, ListBucketsCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { makeProject } from './helpers/cli.ts';
import { emulator, region, cloudfront, route53, s3, tagging, PROJECT, DOMAIN, SITE_BUCKET, STATE_BUCKET, SITE_FILES, project, createZone, records, certificatesFor, distributions, oacCount, upOk } from './helpers/domain-stack.ts';

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

describe('drift', () => {
  test('an alias record deleted or repointed by hand shows in plan, from one listing of the zone, and up puts it back', async () => {
    const zoneId = await createZone('example.com');
    await upOk();
    const aliases = (await records(zoneId)).filter((record) => record.Type === 'A' || record.Type === 'AAAA');
    const [a, aaaa] = ['A', 'AAAA'].map((type) => aliases.find((record) => record.Type === type));
    assert.ok(a?.AliasTarget && aaaa?.AliasTarget);
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [
          { Action: 'DELETE', ResourceRecordSet: aaaa },
          { Action: 'UPSERT', ResourceRecordSet: { ...a, AliasTarget: { ...a.AliasTarget, DNSName: 'd111111abcdef8.cloudfront.net.' } } },
        ],
      },
    }));

    const plan = await project.run('plan');
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    // What the records pointed at before the edit: the distribution's name, with the trailing dot Route 53 adds.
    const target = `Z2FDTNDATAQYW2 ${(a.AliasTarget.DNSName ?? '').replace(/\.?$/, '.')} false`;
    assert.ok(plan.stdout.includes('~ update Route 53 alias records resume.example.com A/AAAA\n'), plan.stdout);
    assert.ok(plan.stdout.includes(`resume.example.com A: "Z2FDTNDATAQYW2 d111111abcdef8.cloudfront.net. false" -> "${target}"\n`), plan.stdout);
    assert.ok(plan.stdout.includes(`resume.example.com AAAA: (none) -> "${target}"\n`), plan.stdout);
    const listings = plan.calls.filter((call) => call.service === 'Route53' && call.operation === 'ListResourceRecordSets');
    assert.equal(listings.length, 1, 'the aliases, the validation CNAME and the orphan search share one listing');

    await upOk(project, '--yes');
    const after = (await records(zoneId)).filter((record) => record.Type === 'A' || record.Type === 'AAAA');
    assert.deepEqual(after.map((record) => `${record.Type} ${record.AliasTarget?.DNSName ?? ''}`).sort(), [a, aaaa].map((record) => `${record.Type} ${record.AliasTarget?.DNSName ?? ''}`).sort());
    assert.equal((await project.run('plan')).code, 0);
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
});
