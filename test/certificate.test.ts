// src/resources/certificate.ts: the ACM certificate and its validation records, with the site they serve
// (lost state, destroy, validation timeout), against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeCertificateCommand, ListCertificatesCommand, ListTagsForCertificateCommand, RequestCertificateCommand, waitUntilCertificateValidated } from '@aws-sdk/client-acm';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { DeleteObjectCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startEmulator } from '../src/emulator.ts';
import { VALIDATION_TIMEOUT_ENV } from '../src/resources/certificate.ts';
import { makeProject, resourceMutations, runCli, type CliRun } from './helpers/cli.ts';
import { clientsFor, acm, acmProjectRegion, cloudfront, route53, s3, PROJECT, DOMAIN, SITE_BUCKET, STATE_BUCKET, STATE_KEY, SITE_FILES, CONFIG, project, createZone, records, certificatesFor, distributions, oacCount, upOk, aliasOf } from './helpers/domain-stack.ts';

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
});

describe('drift', () => {
  test('a validation CNAME deleted by hand shows in plan and comes back with up, whether or not the state names it right', async () => {
    const zoneId = await createZone('example.com');
    await upOk();
    const cname = (await records(zoneId)).find((record) => record.Type === 'CNAME');
    assert.ok(cname?.Name);
    const stateBody = async () => JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY }))).Body?.transformToString() ?? '{}') as {
      resources: Record<string, { outputs: Record<string, string> }>;
    };
    const state = await stateBody();
    // The state names the record, so a plan looks it up along with the certificate.
    assert.equal(state.resources.certificate?.outputs.validationRecordNames, cname.Name);
    await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: cname }] } }));

    const missing = /~ update ACM certificate .*\n\s*validationRecords: "missing" -> "present"/;
    const plan = await project.run('plan');
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    assert.match(plan.stdout, missing);
    await upOk(project, '--yes');
    assert.equal((await records(zoneId)).filter((record) => record.Type === 'CNAME' && record.Name === cname.Name).length, 1);

    // A state that names another record (edited, or from an earlier certificate): the certificate's own is looked up, and found.
    const edited = await stateBody();
    const certificate = edited.resources.certificate;
    assert.ok(certificate);
    certificate.outputs.validationRecordNames = `_0000.${DOMAIN}.`;
    await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY, Body: JSON.stringify(edited) }));
    // Nothing in AWS changes; up records the right name again, and plan says it will.
    const clean = await project.run('plan');
    assert.equal(clean.code, 2, clean.stdout + clean.stderr);
    assert.doesNotMatch(clean.stdout, /validationRecords/);
    assert.match(clean.stdout, /\n {2}= state: refresh the record of ACM certificate \S+ \(outputs\.validationRecordNames read differently\)\n/);
    assert.match(clean.stdout, /Plan: nothing in AWS changes; 1 state entry to update\.\n$/);
    await upOk(project, '--yes');
    assert.equal((await stateBody()).resources.certificate?.outputs.validationRecordNames, cname.Name);
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

describe('destroy', () => {
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
